package io.github.errgroup.benchmarks;

import java.util.concurrent.Callable;

import org.openjdk.jmh.annotations.Fork;

/**
 * Fan-out of {@code tasks} tasks that each block 1 ms ({@link Work#PARK}) on virtual threads (JDK 25):
 * {@link VirtualThreadFanOutBenchmark}'s contenders and sizes with another body. Bound: 1 ms (every task
 * parks at once; the carriers are free meanwhile).
 */
@Fork(value = 2, jvmArgsAppend = { "--enable-preview", "-Xms1g", "-Xmx1g" })
public class VirtualThreadBlockingFanOutBenchmark extends VirtualThreadFanOutBenchmark {

	@Override
	protected Callable<Integer> body() {
		return Work.PARK;
	}

}
