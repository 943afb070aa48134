package io.github.errgroup.benchmarks;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Param;

/**
 * Fan-out of {@code tasks} tasks that each block 1 ms ({@link Work#PARK}) on virtual threads (JDK 25):
 * the contenders of {@link FanOutContenders} on {@code Executors.newVirtualThreadPerTaskExecutor()}, and
 * {@code structuredTaskScope}. Bound: 1 ms (every task parks at once; the carriers are free meanwhile).
 */
@Fork(value = 2, jvmArgsAppend = { "--enable-preview", "-Xms1g", "-Xmx1g" })
public class VirtualThreadBlockingFanOutBenchmark extends VirtualThreadContenders {

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

	@Override
	protected Callable<Integer> body() {
		return Work.PARK;
	}

}
