package io.github.errgroup.benchmarks;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.StructuredTaskScope;
import java.util.concurrent.StructuredTaskScope.Subtask;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Fan-out on virtual threads (JDK 25, {@code StructuredTaskScope} is a preview API there): each task on
 * a new virtual thread. The contenders of {@link FanOutContenders}, on
 * {@code Executors.newVirtualThreadPerTaskExecutor()}, and one more:
 *
 * <ul>
 * <li>{@code structuredTaskScope}: {@code StructuredTaskScope.open()}, {@code fork} each, {@code join()}
 * (its own virtual-thread factory: the same scheduler).</li>
 * </ul>
 */
@Fork(value = 3, jvmArgsAppend = { "--enable-preview", "-Xms1g", "-Xmx1g" })
public class VirtualThreadFanOutBenchmark extends FanOutContenders {

	@Override
	protected ExecutorService newExecutor() {
		return Executors.newVirtualThreadPerTaskExecutor();
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
