package io.github.errgroup.benchmarks;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import io.github.errgroup.ErrGroup;
import io.github.errgroup.ErrGroupFactory;
import io.github.errgroup.Task;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The fan-out's contenders, on the executor and with the task body a subclass gives: {@code tasks()}
 * tasks started and waited for, results read. One operation is one whole fan-out; divide by the tasks
 * for a task. JMH runs these methods under each subclass's name, with its {@code @Fork} and its
 * {@code tasks} parameter.
 *
 * <ul>
 * <li>{@code callerHelps}, the fair baseline: {@link CallerHelps}, the helping that ErrGroup's waiter
 * does, hand-written.</li>
 * <li>{@code rawExecutor}: {@code submit} each, then {@code Future.get} each (the caller only waits).</li>
 * <li>{@code completableFuture}: {@code supplyAsync} each on the same executor, then {@code allOf(...).join()}.</li>
 * <li>{@code errGroup}: {@code go} each in a new group on the same executor, {@code await()},
 * {@code resultNow()} each. The waiting thread runs pending tasks itself (S15).</li>
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@State(Scope.Benchmark)
public abstract class FanOutContenders {

	private ExecutorService executor;

	private ErrGroupFactory factory;

	private Callable<Integer> body;

	private Supplier<Integer> supplier;

	/** The executor every contender runs its tasks on, created once per trial. */
	protected abstract ExecutorService newExecutor();

	/** Tasks in one fan-out: the subclass's {@code tasks} parameter. */
	protected abstract int tasks();

	/** What each task runs; trivial unless a subclass says otherwise. */
	protected Callable<Integer> body() {
		return Work.CALLABLE;
	}

	@Setup(Level.Trial)
	public void setUp() {
		this.executor = newExecutor();
		this.factory = ErrGroupFactory.create(this.executor);
		Callable<Integer> body = body();
		this.body = body;
		this.supplier = () -> {
			try {
				return body.call();
			}
			catch (Exception ex) {
				throw new CompletionException(ex);
			}
		};
	}

	@TearDown(Level.Trial)
	public void tearDown() throws InterruptedException {
		this.factory.close();
		Pools.shutdown(this.executor);
	}

	/** The executor, for contenders a subclass adds. */
	protected final ExecutorService executor() {
		return this.executor;
	}

	/** The task body, for contenders a subclass adds. */
	protected final Callable<Integer> work() {
		return this.body;
	}

	@Benchmark
	public void callerHelps(Blackhole bh) throws InterruptedException, ExecutionException {
		for (FutureTask<Integer> handle : CallerHelps.fanOut(this.executor, this.body, tasks())) {
			bh.consume(handle.get());
		}
	}

	@Benchmark
	public void rawExecutor(Blackhole bh) throws InterruptedException, ExecutionException {
		Future<?>[] futures = new Future<?>[tasks()];
		for (int i = 0; i < futures.length; i++) {
			futures[i] = this.executor.submit(this.body);
		}
		for (Future<?> future : futures) {
			bh.consume(future.get());
		}
	}

	@Benchmark
	public void completableFuture(Blackhole bh) {
		CompletableFuture<?>[] futures = new CompletableFuture<?>[tasks()];
		for (int i = 0; i < futures.length; i++) {
			futures[i] = CompletableFuture.supplyAsync(this.supplier, this.executor);
		}
		CompletableFuture.allOf(futures).join();
		for (CompletableFuture<?> future : futures) {
			bh.consume(future.join());
		}
	}

	@Benchmark
	public void errGroup(Blackhole bh) {
		Task<?>[] handles = new Task<?>[tasks()];
		try (ErrGroup group = this.factory.newGroup("fan-out")) {
			for (int i = 0; i < handles.length; i++) {
				handles[i] = group.go(this.body);
			}
			group.await();
		}
		for (Task<?> handle : handles) {
			bh.consume(handle.resultNow());
		}
	}

}
