package io.github.errgroup.benchmarks;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RecursiveTask;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * Nested fan-out, {@value #DEPTH} levels of {@value #WIDTH}: each task of a level opens its own fan-out
 * of the next level and waits for it; the last level's tasks are trivial. One operation is the whole
 * tree: {@code 8 + 64 + 512 = 584} tasks, {@code 1 + 8 + 64 = 73} fan-outs.
 *
 * <p>On 2 threads, the contenders that help:
 * <ul>
 * <li>{@code callerHelpsTwoThreads}, the fair baseline: {@link CallerHelps} at every level, on a fixed
 * pool of 2.</li>
 * <li>{@code forkJoinTwoThreads}: a {@code RecursiveTask} per node, {@code invokeAll} of its children,
 * in a {@code ForkJoinPool(2)}.</li>
 * <li>{@code errGroupTwoThreads}: nested groups on a fixed pool of 2.</li>
 * </ul>
 * The plain executor deadlocks on 2 threads (both block in {@code get()} on children queued behind
 * them), so it runs on a cached pool, where every blocked waiter gets another thread:
 * {@code rawExecutorUnbounded} ({@code submit} + {@code get}) and {@code errGroupUnbounded} for the
 * same shape on it.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
// 5 forks, not 2: these trivial fan-outs on 2 cores vary most from fork to fork (thread placement; one
// nested baseline fork measured 40 us, another 99 us), and the targets are ratios of 1.25x.
@Fork(value = 5, jvmArgsAppend = { "-Xms1g", "-Xmx1g" })
@State(Scope.Benchmark)
public class NestedFanOutBenchmark {

	static final int DEPTH = 3;

	static final int WIDTH = 8;

	private static final Callable<Integer> LEAF = () -> 1;

	private ThreadPoolExecutor unbounded;

	private ThreadPoolExecutor twoThreads;

	private ForkJoinPool forkJoinTwoThreads;

	private ErrGroupFactory onUnbounded;

	private ErrGroupFactory onTwoThreads;

	@Setup(Level.Trial)
	public void setUp() {
		this.unbounded = Pools.unbounded("nested-unbounded");
		this.twoThreads = Pools.fixed(2, "nested-2");
		this.forkJoinTwoThreads = Pools.forkJoin(2);
		this.onUnbounded = ErrGroupFactory.create(this.unbounded);
		this.onTwoThreads = ErrGroupFactory.create(this.twoThreads);
	}

	@TearDown(Level.Trial)
	public void tearDown() throws InterruptedException {
		this.onUnbounded.close();
		this.onTwoThreads.close();
		Pools.shutdown(this.unbounded);
		Pools.shutdown(this.twoThreads);
		Pools.shutdown(this.forkJoinTwoThreads);
	}

	@Benchmark
	public int callerHelpsTwoThreads() throws InterruptedException, ExecutionException {
		return helpLevel(this.twoThreads, DEPTH);
	}

	@Benchmark
	public int forkJoinTwoThreads() {
		return this.forkJoinTwoThreads.invoke(new Node(DEPTH));
	}

	@Benchmark
	public int errGroupTwoThreads() {
		return groupLevel(this.onTwoThreads, DEPTH);
	}

	@Benchmark
	public int rawExecutorUnbounded() throws InterruptedException, ExecutionException {
		return rawLevel(this.unbounded, DEPTH);
	}

	@Benchmark
	public int errGroupUnbounded() {
		return groupLevel(this.onUnbounded, DEPTH);
	}

	/** Runs one fan-out of {@code WIDTH} and returns the number of leaf tasks under it. */
	private static int helpLevel(ExecutorService pool, int depth) throws InterruptedException, ExecutionException {
		@SuppressWarnings("unchecked")
		FutureTask<Integer>[] children = (FutureTask<Integer>[]) new FutureTask<?>[WIDTH];
		for (int i = 0; i < WIDTH; i++) {
			children[i] = new FutureTask<>((depth == 1) ? LEAF : () -> helpLevel(pool, depth - 1));
		}
		CallerHelps.join(CallerHelps.fork(pool, children));
		int leaves = 0;
		for (FutureTask<Integer> child : children) {
			leaves += child.get();
		}
		return leaves;
	}

	private static int rawLevel(ExecutorService pool, int depth) throws InterruptedException, ExecutionException {
		@SuppressWarnings("unchecked")
		Future<Integer>[] children = (Future<Integer>[]) new Future<?>[WIDTH];
		for (int i = 0; i < WIDTH; i++) {
			children[i] = pool.submit((depth == 1) ? LEAF : () -> rawLevel(pool, depth - 1));
		}
		int leaves = 0;
		for (Future<Integer> child : children) {
			leaves += child.get();
		}
		return leaves;
	}

	private static int groupLevel(ErrGroupFactory factory, int depth) {
		@SuppressWarnings("unchecked")
		Task<Integer>[] children = (Task<Integer>[]) new Task<?>[WIDTH];
		try (ErrGroup group = factory.newGroup("nested")) {
			for (int i = 0; i < WIDTH; i++) {
				children[i] = group.go((depth == 1) ? LEAF : () -> groupLevel(factory, depth - 1));
			}
			group.await();
		}
		int leaves = 0;
		for (Task<Integer> child : children) {
			leaves += child.resultNow();
		}
		return leaves;
	}

	/** A node of the ForkJoin tree: its children forked and joined with {@code invokeAll}. */
	@SuppressWarnings("serial")
	private static final class Node extends RecursiveTask<Integer> {

		private final int depth;

		Node(int depth) {
			this.depth = depth;
		}

		@Override
		protected Integer compute() {
			if (this.depth == 0) {
				return 1; // a leaf: the trivial task
			}
			Node[] children = new Node[WIDTH];
			for (int i = 0; i < WIDTH; i++) {
				children[i] = new Node(this.depth - 1);
			}
			ForkJoinTask.invokeAll(children);
			int leaves = 0;
			for (Node child : children) {
				leaves += child.join();
			}
			return leaves;
		}

	}

}
