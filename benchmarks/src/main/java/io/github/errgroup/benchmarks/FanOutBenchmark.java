package io.github.errgroup.benchmarks;

import java.util.concurrent.ExecutorService;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Param;

/**
 * Fan-out on a fixed pool of {@code threads} (the contenders are {@link FanOutContenders}'). The
 * errGroup's waiting thread runs pending tasks itself (S15), so it is one more worker than the pool has.
 */
@Fork(value = 3, jvmArgsAppend = { "-Xms1g", "-Xmx1g" })
public class FanOutBenchmark extends FanOutContenders {

	@Param({ "2", "8" })
	public int threads;

	@Override
	protected ExecutorService newExecutor() {
		return Pools.fixed(this.threads, "fan-out");
	}

}
