package io.github.errgroup.benchmarks;

import io.github.errgroup.ErrGroup;
import io.github.errgroup.ErrGroupFactory;
import io.github.errgroup.Task;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.StructuredTaskScope;
import java.util.concurrent.StructuredTaskScope.Subtask;
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
 * Fan-out on virtual threads (JDK 25, {@code StructuredTaskScope} is a preview API there): {@code tasks}
 * trivial tasks, each on a new virtual thread, waited for, results read. One operation is one whole
 * fan-out.
 *
 * <ul>
 * <li>{@code rawExecutor}, the baseline: {@code submit} + {@code Future.get} on
 * {@code Executors.newVirtualThreadPerTaskExecutor()}.</li>
 * <li>{@code completableFuture}: {@code supplyAsync} + {@code allOf(...).join()} on the same executor.</li>
 * <li>{@code errGroup}: a group on the same executor.</li>
 * <li>{@code structuredTaskScope}: {@code StructuredTaskScope.open()}, {@code fork} each, {@code join()}
 * (its own virtual-thread factory: the same scheduler).</li>
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 2)
@Fork(value = 3, jvmArgsAppend = { "--enable-preview", "-Xms1g", "-Xmx1g" })
@State(Scope.Benchmark)
public class VirtualThreadFanOutBenchmark {

	@Param({ "1", "16", "256" })
	public int tasks;

	private ExecutorService virtualThreads;

	private ErrGroupFactory factory;

	@Setup(Level.Trial)
	public void setUp() {
		this.virtualThreads = Executors.newVirtualThreadPerTaskExecutor();
		this.factory = ErrGroupFactory.create(this.virtualThreads);
	}

	@TearDown(Level.Trial)
	public void tearDown() throws InterruptedException {
		this.factory.close();
		Pools.shutdown(this.virtualThreads);
	}

	@Benchmark
	public void rawExecutor(Blackhole bh) throws InterruptedException, ExecutionException {
		Future<?>[] futures = new Future<?>[this.tasks];
		for (int i = 0; i < futures.length; i++) {
			futures[i] = this.virtualThreads.submit(Work.CALLABLE);
		}
		for (Future<?> future : futures) {
			bh.consume(future.get());
		}
	}

	@Benchmark
	public void completableFuture(Blackhole bh) {
		CompletableFuture<?>[] futures = new CompletableFuture<?>[this.tasks];
		for (int i = 0; i < futures.length; i++) {
			futures[i] = CompletableFuture.supplyAsync(Work.SUPPLIER, this.virtualThreads);
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

	@Benchmark
	public void structuredTaskScope(Blackhole bh) throws InterruptedException {
		Subtask<?>[] handles = new Subtask<?>[this.tasks];
		try (StructuredTaskScope<Object, Void> scope = StructuredTaskScope.open()) {
			for (int i = 0; i < handles.length; i++) {
				handles[i] = scope.fork(Work.CALLABLE);
			}
			scope.join();
		}
		for (Subtask<?> handle : handles) {
			bh.consume(handle.get());
		}
	}

}
