package io.github.errgroup;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** Test helpers: named pools, and task bodies that block until their group cancels them or that ignore it. */
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

	/**
	 * Waits for a latch, ignoring interrupts, as a task that ignores cancellation does; the interrupt
	 * status is set again on return.
	 * @throws IllegalStateException if the test never releases the latch (20 s)
	 */
	static void awaitIgnoringInterrupts(CountDownLatch latch) {
		boolean interrupted = false;
		try {
			for (;;) {
				try {
					if (!latch.await(20, TimeUnit.SECONDS)) {
						throw new IllegalStateException("the test never released the latch");
					}
					return;
				}
				catch (InterruptedException ex) {
					interrupted = true;
				}
			}
		}
		finally {
			if (interrupted) {
				Thread.currentThread().interrupt();
			}
		}
	}

}
