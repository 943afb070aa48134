package io.github.errgroup.benchmarks;

import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * What the contenders run: the same bodies for everyone, allocated once, so that what a benchmark
 * measures is the machinery around a task and not the task.
 */
final class Work {

	/** A trivial task: returns a cached {@code Integer}, allocates nothing. */
	static final Callable<Integer> CALLABLE = () -> 42;

	/** How long {@link #PARK} blocks. */
	static final long PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

	/**
	 * A task that blocks its thread for 1 ms, as a call to a remote service would: parked, not spinning,
	 * so that on virtual threads the carrier is free meanwhile. Interrupts are not expected (nothing
	 * cancels these tasks); one only shortens a park, the loop still ends at the deadline.
	 */
	static final Callable<Integer> PARK = () -> {
		long deadline = System.nanoTime() + PARK_NANOS;
		for (long left = PARK_NANOS; left > 0; left = deadline - System.nanoTime()) {
			LockSupport.parkNanos(left);
		}
		return 42;
	};

	/** Never opened: a sibling parked on it waits until it is interrupted. */
	static final CountDownLatch NEVER = new CountDownLatch(1);

	/** The failure of the failing sibling; one instance, so that no contender pays for a stack trace. */
	static final IllegalStateException FAILURE = new IllegalStateException("benchmark: the failing sibling");

	private Work() {
	}

}
