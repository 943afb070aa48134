package io.github.errgroup.benchmarks;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** The executors the contenders share: plain JDK pools, daemon threads, started before measuring. */
final class Pools {

	private Pools() {
	}

	/** What {@code Executors.newFixedThreadPool(threads)} builds, with every thread already started. */
	static ThreadPoolExecutor fixed(int threads, String name) {
		ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, 0L, TimeUnit.MILLISECONDS,
				new LinkedBlockingQueue<>(), daemons(name));
		pool.prestartAllCoreThreads();
		return pool;
	}

	/** What {@code Executors.newCachedThreadPool()} builds: a new thread whenever none is idle. */
	static ThreadPoolExecutor unbounded(String name) {
		return new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60L, TimeUnit.SECONDS, new SynchronousQueue<>(),
				daemons(name));
	}

	/** {@code new ForkJoinPool(threads)}: the JDK's work-stealing pool, where a joining worker helps. */
	static ForkJoinPool forkJoin(int threads) {
		return new ForkJoinPool(threads);
	}

	static void shutdown(ExecutorService pool) throws InterruptedException {
		pool.shutdownNow();
		if (!pool.awaitTermination(10, TimeUnit.SECONDS)) {
			throw new IllegalStateException(pool + " did not terminate within 10 s: a benchmark leaked a blocked task");
		}
	}

	private static ThreadFactory daemons(String name) {
		AtomicInteger count = new AtomicInteger();
		return runnable -> {
			Thread thread = new Thread(runnable, name + "-" + count.incrementAndGet());
			thread.setDaemon(true); // a benchmark that hangs must not also hang the forked JVM's exit
			return thread;
		};
	}

}
