package io.github.errgroup.benchmarks;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import io.github.errgroup.ErrGroup;
import io.github.errgroup.ErrGroupFactory;
import io.github.errgroup.Task;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Several callers sharing one factory, as request threads share the application's: each operation opens
 * a group, starts one trivial task, awaits it and closes the group. Throughput of all callers together
 * at 1, 2, 8 and 32 caller threads (the method name's number; JMH's {@code @Threads}, so that one run
 * has every count) on a fixed pool of 2. What the callers share is the factory (its set of open groups,
 * any counters) and the pool's queue; on 2 cores, 32 callers cannot be faster than 2, and should not
 * collapse either. {@code callerHelps2} and {@code callerHelps32} do the same with a hand-written
 * {@link java.util.concurrent.FutureTask} (handed to the pool, run by the caller if still pending):
 * what the pool and the JDK alone give up from 2 to 32 callers.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = { "-Xms1g", "-Xmx1g" })
@State(Scope.Benchmark)
public class ConcurrentCallersBenchmark {

	private ThreadPoolExecutor executor;

	private ErrGroupFactory factory;

	@Setup(Level.Trial)
	public void setUp() {
		this.executor = Pools.fixed(2, "callers");
		this.factory = ErrGroupFactory.create(this.executor);
	}

	@TearDown(Level.Trial)
	public void tearDown() throws InterruptedException {
		this.factory.close();
		Pools.shutdown(this.executor);
	}

	@Benchmark
	@Threads(1)
	public int errGroup1() {
		return openRunClose();
	}

	@Benchmark
	@Threads(2)
	public int errGroup2() {
		return openRunClose();
	}

	@Benchmark
	@Threads(8)
	public int errGroup8() {
		return openRunClose();
	}

	@Benchmark
	@Threads(32)
	public int errGroup32() {
		return openRunClose();
	}

	@Benchmark
	@Threads(2)
	public int callerHelps2() throws InterruptedException, ExecutionException {
		return helpOne();
	}

	@Benchmark
	@Threads(32)
	public int callerHelps32() throws InterruptedException, ExecutionException {
		return helpOne();
	}

	private int openRunClose() {
		try (ErrGroup group = this.factory.newGroup("caller")) {
			Task<Integer> task = group.go(Work.CALLABLE);
			group.await();
			return task.resultNow();
		}
	}

	private int helpOne() throws InterruptedException, ExecutionException {
		FutureTask<Integer> task = new FutureTask<>(Work.CALLABLE);
		this.executor.execute(task);
		task.run();
		return task.get();
	}

}
