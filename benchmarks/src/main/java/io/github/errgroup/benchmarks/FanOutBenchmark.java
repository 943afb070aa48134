package io.github.errgroup.benchmarks;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Fan-out of {@code tasks} trivial tasks on a fixed pool of {@code threads} (the contenders of
 * {@link FanOutContenders}), and two more that bound it:
 *
 * <ul>
 * <li>{@code forkJoin}: ForkJoin in the form that helps, a {@code ForkJoinPool(threads)} given the
 * fan-out as one task that calls {@code ForkJoinTask.invokeAll} from inside the pool: the tasks go to
 * the worker's own deque (no shared queue), the worker runs some itself and the others are stolen.
 * The caller pays one external submission and one wake-up for the whole fan-out.</li>
 * <li>{@code sequential}, the floor: the caller runs the bodies one after the other, no thread
 * involved.</li>
 * </ul>
 *
 * ErrGroup's and {@code callerHelps}' waiting thread runs pending tasks itself, so it is one more worker
 * than the pool has.
 */
// 5 forks, not 2: these trivial fan-outs on 2 cores vary most from fork to fork (thread placement; one
// nested baseline fork measured 40 us, another 99 us), and the targets are ratios of 1.25x.
@Fork(value = 5, jvmArgsAppend = { "-Xms1g", "-Xmx1g" })
public class FanOutBenchmark extends FanOutContenders {

	@Param({ "1", "16", "256" })
	public int tasks;

	@Param({ "2" })
	public int threads;

	private ForkJoinPool forkJoinPool;

	@Override
	protected ExecutorService newExecutor() {
		return Pools.fixed(this.threads, "fan-out");
	}

	@Override
	protected int tasks() {
		return this.tasks;
	}

	@Setup(Level.Trial)
	public void startForkJoin() {
		this.forkJoinPool = Pools.forkJoin(this.threads);
	}

	@TearDown(Level.Trial)
	public void stopForkJoin() throws InterruptedException {
		Pools.shutdown(this.forkJoinPool);
	}

	@Benchmark
	public void forkJoin(Blackhole bh) {
		ForkJoinTask<?>[] handles = new ForkJoinTask<?>[this.tasks];
		for (int i = 0; i < handles.length; i++) {
			handles[i] = ForkJoinTask.adapt(work());
		}
		this.forkJoinPool.invoke(ForkJoinTask.adapt(() -> ForkJoinTask.invokeAll(handles)));
		for (ForkJoinTask<?> handle : handles) {
			bh.consume(handle.join());
		}
	}

	@Benchmark
	public void sequential(Blackhole bh) throws Exception {
		for (int i = 0; i < this.tasks; i++) {
			bh.consume(work().call());
		}
	}

}
