package io.github.errgroup.benchmarks;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Param;

/**
 * Fan-out of {@code tasks} trivial tasks on virtual threads (JDK 25): the contenders of
 * {@link FanOutContenders} on {@code Executors.newVirtualThreadPerTaskExecutor()}, and
 * {@code structuredTaskScope} ({@link VirtualThreadContenders}).
 */
@Fork(value = 2, jvmArgsAppend = { "--enable-preview", "-Xms1g", "-Xmx1g" })
public class VirtualThreadFanOutBenchmark extends VirtualThreadContenders {

	@Param({ "16", "256" })
	public int tasks;

	@Override
	protected ExecutorService newExecutor() {
		return Executors.newVirtualThreadPerTaskExecutor();
	}

	@Override
	protected int tasks() {
		return this.tasks;
	}

}
