package io.github.errgroup.benchmarks;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.StructuredTaskScope;
import java.util.concurrent.TimeUnit;

import io.github.errgroup.ErrGroupFactory;
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
 * Cancel latency on virtual threads (JDK 25): as {@link CancelLatencyBenchmark},
 * {@value CancelLatencyBenchmark#SIBLINGS} parked siblings, one more fails; JMH's clock from the method's
 * start, {@link CancelProbe}'s from the failure to the owner's return and to the last sibling's interrupt.
 *
 * <ul>
 * <li>{@code structuredTaskScope}, the reference: {@code fork(failing)}, {@code join()} throws
 * {@code FailedException}, {@code close()} waits for the interrupted threads.</li>
 * <li>{@code errGroup}: a group on {@code Executors.newVirtualThreadPerTaskExecutor()}, as
 * {@link CancelLatencyBenchmark}'s on its pool.</li>
 * </ul>
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 2)
@Fork(value = 2, jvmArgsAppend = { "--enable-preview", "-Xms1g", "-Xmx1g" })
public class VirtualThreadCancelLatencyBenchmark {

	/** A scope opened and closed by the benchmark thread, which owns it (a scope is confined to its owner). */
	@State(Scope.Thread)
	public static class ScopeSiblings extends CancelProbe {

		StructuredTaskScope<Object, Void> scope;

		@Setup(Level.Invocation)
		public void park() throws InterruptedException {
			this.scope = StructuredTaskScope.open();
			CountDownLatch parked = new CountDownLatch(CancelLatencyBenchmark.SIBLINGS);
			for (int i = 0; i < CancelLatencyBenchmark.SIBLINGS; i++) {
				this.scope.fork(() -> {
					parked.countDown();
					try {
						Work.NEVER.await();
					}
					catch (InterruptedException ex) {
						sawInterrupt();
						throw ex;
					}
					return null;
				});
			}
			parked.await();
		}

	}

	@State(Scope.Thread)
	public static class GroupSiblings extends CancelLatencyBenchmark.ParkedGroup {

		ExecutorService virtualThreads;

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

	}

	@Benchmark
	public Object structuredTaskScope(ScopeSiblings s) throws InterruptedException {
		try (StructuredTaskScope<Object, Void> scope = s.scope) {
			scope.fork(s.fail);
			scope.join();
		}
		catch (StructuredTaskScope.FailedException expected) {
			s.returned(); // close() has waited for every sibling
			return expected;
		}
		throw new AssertionError("join() returned normally although a subtask failed");
	}

	@Benchmark
	public Object errGroup(GroupSiblings s) {
		return CancelLatencyBenchmark.failAndAwait(s);
	}

}
