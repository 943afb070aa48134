package io.github.errgroup.benchmarks;

import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.function.Supplier;

/**
 * What the contenders run: the same trivial bodies for everyone, allocated once, so that what a
 * benchmark measures is the machinery around a task and not the task.
 */
final class Work {

	/** A trivial task: returns a cached {@code Integer}, allocates nothing. */
	static final Callable<Integer> CALLABLE = () -> 42;

	/** The same, in the shape {@code CompletableFuture.supplyAsync} takes. */
	static final Supplier<Integer> SUPPLIER = () -> 42;

	/** Never opened: a sibling parked on it waits until it is interrupted. */
	static final CountDownLatch NEVER = new CountDownLatch(1);

	/** The failure of the failing sibling; one instance, so that no contender pays for a stack trace. */
	static final IllegalStateException FAILURE = new IllegalStateException("benchmark: the failing sibling");

	/** A task that fails at once with {@link #FAILURE}. */
	static final Callable<Object> FAIL = () -> {
		throw FAILURE;
	};

	private Work() {
	}

}
