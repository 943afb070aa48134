package io.github.errgroup.benchmarks;

import io.github.errgroup.ErrGroup;
import io.github.errgroup.ErrGroupFactory;
import io.github.errgroup.Task;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The fan-out's contenders, on the executor a subclass gives ({@link FanOutBenchmark}: a fixed pool;
 * {@code VirtualThreadFanOutBenchmark}: a virtual thread per task): {@code tasks} trivial tasks started
 * and waited for, results read. One operation is one whole fan-out; divide by {@code tasks} for a task.
 * JMH runs these methods under each subclass's name, with its {@code @Fork}.
 *
 * <ul>
 * <li>{@code rawExecutor}, the baseline: {@code submit} each, then {@code Future.get} each.</li>
 * <li>{@code completableFuture}: {@code supplyAsync} each on the same executor, then {@code allOf(...).join()}.</li>
 * <li>{@code errGroup}: {@code go} each in a new group on the same executor, {@code await()},
 * {@code resultNow()} each. The waiting thread runs pending tasks itself (S15).</li>
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 2)
@State(Scope.Benchmark)
public abstract class FanOutContenders {

	@Param({ "1", "16", "256" })
	public int tasks;

	private ExecutorService executor;

	private ErrGroupFactory factory;

	/** The executor every contender runs its tasks on, created once per trial. */
	protected abstract ExecutorService newExecutor();

	@Setup(Level.Trial)
	public void setUp() {
		this.executor = newExecutor();
		this.factory = ErrGroupFactory.create(this.executor);
	}

	@TearDown(Level.Trial)
	public void tearDown() throws InterruptedException {
		this.factory.close();
		Pools.shutdown(this.executor);
	}

	@Benchmark
	public void rawExecutor(Blackhole bh) throws InterruptedException, ExecutionException {
		Future<?>[] futures = new Future<?>[this.tasks];
		for (int i = 0; i < futures.length; i++) {
			futures[i] = this.executor.submit(Work.CALLABLE);
		}
		for (Future<?> future : futures) {
			bh.consume(future.get());
		}
	}

	@Benchmark
	public void completableFuture(Blackhole bh) {
		CompletableFuture<?>[] futures = new CompletableFuture<?>[this.tasks];
		for (int i = 0; i < futures.length; i++) {
			futures[i] = CompletableFuture.supplyAsync(Work.SUPPLIER, this.executor);
		}
		CompletableFuture.allOf(futures).join();
		for (CompletableFuture<?> future : futures) {
			bh.consume(future.join());
		}
	}

	@Benchmark
	public void errGroup(Blackhole bh) {
		Task<?>[] handles = new Task<?>[this.tasks];
		try (ErrGroup group = this.factory.newGroup("fan-out")) {
			for (int i = 0; i < handles.length; i++) {
				handles[i] = group.go(Work.CALLABLE);
			}
			group.await();
		}
		for (Task<?> handle : handles) {
			bh.consume(handle.resultNow());
		}
	}

}
