package io.github.errgroup.benchmarks;

import io.github.errgroup.ErrGroup;
import io.github.errgroup.ErrGroupFactory;
import io.github.errgroup.Task;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
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
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Nested fan-out, {@value #DEPTH} levels of {@value #WIDTH}: each task of a level opens its own fan-out
 * of the next level and waits for it; the last level's tasks are trivial. One operation is the whole
 * tree: {@code 8 + 64 + 512 = 584} tasks, {@code 1 + 8 + 64 = 73} fan-outs.
 *
 * <p>On a pool of 2 threads the plain executor deadlocks here: both threads block in {@code get()}
 * on children queued behind them, so it cannot be a contender. ErrGroup completes there because a
 * waiting thread runs its group's pending tasks (S15); the question is at what cost against an
 * unbounded pool, where every blocked waiter just gets another thread.
 *
 * <ul>
 * <li>{@code rawExecutorUnbounded}, the baseline: {@code submit} + {@code get} on a cached pool.</li>
 * <li>{@code completableFutureUnbounded}: {@code supplyAsync} + {@code allOf(...).join()} on the same cached pool.</li>
 * <li>{@code errGroupUnbounded}: nested groups on the same cached pool.</li>
 * <li>{@code errGroupTwoThreads}: nested groups on a fixed pool of 2 threads.</li>
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 2)
@Fork(value = 3, jvmArgsAppend = { "-Xms1g", "-Xmx1g" })
@State(Scope.Benchmark)
public class NestedFanOutBenchmark {

	static final int DEPTH = 3;

	static final int WIDTH = 8;

	private ThreadPoolExecutor unbounded;

	private ThreadPoolExecutor twoThreads;

	private ErrGroupFactory onUnbounded;

	private ErrGroupFactory onTwoThreads;

	@Setup(Level.Trial)
	public void setUp() {
		this.unbounded = Pools.unbounded("nested-unbounded");
		this.twoThreads = Pools.fixed(2, "nested-2");
		this.onUnbounded = ErrGroupFactory.create(this.unbounded);
		this.onTwoThreads = ErrGroupFactory.create(this.twoThreads);
	}

	@TearDown(Level.Trial)
	public void tearDown() throws InterruptedException {
		this.onUnbounded.close();
		this.onTwoThreads.close();
		Pools.shutdown(this.unbounded);
		Pools.shutdown(this.twoThreads);
	}

	@Benchmark
	public int rawExecutorUnbounded() throws InterruptedException, ExecutionException {
		return rawLevel(this.unbounded, DEPTH);
	}

	@Benchmark
	public int completableFutureUnbounded() {
		return futureLevel(this.unbounded, DEPTH);
	}

	@Benchmark
	public int errGroupUnbounded() {
		return groupLevel(this.onUnbounded, DEPTH);
	}

	@Benchmark
	public int errGroupTwoThreads() {
		return groupLevel(this.onTwoThreads, DEPTH);
	}

	/** Runs one fan-out of {@code WIDTH} and returns the number of leaf tasks under it. */
	private static int rawLevel(ExecutorService pool, int depth) throws InterruptedException, ExecutionException {
		@SuppressWarnings("unchecked")
		Future<Integer>[] children = (Future<Integer>[]) new Future<?>[WIDTH];
		for (int i = 0; i < WIDTH; i++) {
			children[i] = (depth == 1) ? pool.submit(() -> 1) : pool.submit(() -> rawLevel(pool, depth - 1));
		}
		int leaves = 0;
		for (Future<Integer> child : children) {
			leaves += child.get();
		}
		return leaves;
	}

	private static int futureLevel(ExecutorService pool, int depth) {
		@SuppressWarnings("unchecked")
		CompletableFuture<Integer>[] children = (CompletableFuture<Integer>[]) new CompletableFuture<?>[WIDTH];
		for (int i = 0; i < WIDTH; i++) {
			children[i] = (depth == 1) ? CompletableFuture.supplyAsync(() -> 1, pool)
					: CompletableFuture.supplyAsync(() -> futureLevel(pool, depth - 1), pool);
		}
		CompletableFuture.allOf(children).join();
		int leaves = 0;
		for (CompletableFuture<Integer> child : children) {
			leaves += child.join();
		}
		return leaves;
	}

	private static int groupLevel(ErrGroupFactory factory, int depth) {
		@SuppressWarnings("unchecked")
		Task<Integer>[] children = (Task<Integer>[]) new Task<?>[WIDTH];
		try (ErrGroup group = factory.newGroup("nested")) {
			for (int i = 0; i < WIDTH; i++) {
				children[i] = (depth == 1) ? group.go(() -> 1) : group.go(() -> groupLevel(factory, depth - 1));
			}
			group.await();
		}
		int leaves = 0;
		for (Task<Integer> child : children) {
			leaves += child.resultNow();
		}
		return leaves;
	}

}
