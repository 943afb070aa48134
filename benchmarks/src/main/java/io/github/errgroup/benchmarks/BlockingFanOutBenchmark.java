package io.github.errgroup.benchmarks;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;

import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Param;

/**
 * Fan-out of {@code tasks} tasks that each block 1 ms ({@link Work#PARK}, as a call to a remote service
 * would) on a fixed pool of {@code threads}: the contenders of {@link FanOutContenders}. Bound: a
 * contender whose caller only waits needs {@code ceil(tasks / threads)} ms; one whose caller helps,
 * {@code ceil(tasks / (threads + 1))} ms. What is above that bound is the machinery, and how well it
 * keeps every thread busy.
 */
@Fork(value = 2, jvmArgsAppend = { "-Xms1g", "-Xmx1g" })
public class BlockingFanOutBenchmark extends FanOutContenders {

	@Param({ "16", "256" })
	public int tasks;

	@Param({ "2" })
	public int threads;

	@Override
	protected ExecutorService newExecutor() {
		return Pools.fixed(this.threads, "blocking");
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
