package io.github.errgroup.benchmarks;

import java.util.concurrent.StructuredTaskScope.Subtask;
import java.util.concurrent.StructuredTaskScope;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The fan-out contenders on virtual threads: {@link FanOutContenders}' and one more,
 * {@code structuredTaskScope}: {@code StructuredTaskScope.open()}, {@code fork} each, {@code join()}
 * (its own virtual-thread factory: the same scheduler), {@code get()} each.
 */
public abstract class VirtualThreadContenders extends FanOutContenders {

	@Benchmark
	public void structuredTaskScope(Blackhole bh) throws InterruptedException {
		Subtask<?>[] handles = new Subtask<?>[tasks()];
		try (StructuredTaskScope<Object, Void> scope = StructuredTaskScope.open()) {
			for (int i = 0; i < handles.length; i++) {
				handles[i] = scope.fork(work());
			}
			scope.join();
		}
		for (Subtask<?> handle : handles) {
			bh.consume(handle.get());
		}
	}

}
