package io.github.errgroup.benchmarks;

import io.github.errgroup.ErrGroup;
import io.github.errgroup.ErrGroupFactory;
import io.github.errgroup.Task;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
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
 * Fan-out: {@code tasks} trivial tasks started and waited for, results read, on a fixed pool of
 * {@code threads}. One operation is one whole fan-out; divide by {@code tasks} for a task.
 *
 * <ul>
 * <li>{@code rawExecutor}, the baseline: {@code submit} each, then {@code Future.get} each.</li>
 * <li>{@code completableFuture}: {@code supplyAsync} each on the same pool, then {@code allOf(...).join()}.</li>
 * <li>{@code errGroup}: {@code go} each in a new group, {@code await()}, {@code resultNow()} each.
 * The waiting thread runs pending tasks itself (S15), so it is one more worker than the pool has.</li>
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 2)
@Fork(value = 3, jvmArgsAppend = { "-Xms1g", "-Xmx1g" })
@State(Scope.Benchmark)
public class FanOutBenchmark {

	@Param({ "2", "8" })
	public int threads;

	@Param({ "1", "16", "256" })
	public int tasks;

	private ThreadPoolExecutor pool;

	private ErrGroupFactory factory;

	@Setup(Level.Trial)
	public void setUp() {
		this.pool = Pools.fixed(this.threads, "fan-out");
		this.factory = ErrGroupFactory.create(this.pool);
	}

	@TearDown(Level.Trial)
	public void tearDown() throws InterruptedException {
		this.factory.close();
		Pools.shutdown(this.pool);
	}

	@Benchmark
	public void rawExecutor(Blackhole bh) throws InterruptedException, ExecutionException {
		Future<?>[] futures = new Future<?>[this.tasks];
		for (int i = 0; i < futures.length; i++) {
			futures[i] = this.pool.submit(Work.CALLABLE);
		}
		for (Future<?> future : futures) {
			bh.consume(future.get());
		}
	}

	@Benchmark
	public void completableFuture(Blackhole bh) {
		CompletableFuture<?>[] futures = new CompletableFuture<?>[this.tasks];
		for (int i = 0; i < futures.length; i++) {
			futures[i] = CompletableFuture.supplyAsync(Work.SUPPLIER, this.pool);
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
