package io.github.errgroup;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/** Test helpers: named pools and tasks that block until their group cancels them. */
final class Pools {

	private Pools() {
	}

	static ExecutorService fixed(int threads, String prefix) {
		AtomicInteger n = new AtomicInteger();
		ThreadFactory factory = r -> {
			Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
			t.setDaemon(true);
			return t;
		};
		return Executors.newFixedThreadPool(threads, factory);
	}

	/** Blocks until interrupted; the interrupt is what a group's cancellation sends. */
	static Object blockUntilInterrupted() throws InterruptedException {
		new CountDownLatch(1).await();
		throw new AssertionError("unreachable");
	}

}
