package io.github.errgroup;

import java.util.List;

/**
 * Thrown by {@link ErrGroup#await()} when a group did not succeed.
 *
 * <p>{@link #getCause()} is the first failure of a task, as the same instance the task threw, or,
 * when no task failed first, the cause the group was cancelled with: a
 * {@link java.util.concurrent.CancellationException} from {@link ErrGroup#cancel()}, a
 * {@link java.util.concurrent.TimeoutException} from a passed deadline, an
 * {@link InterruptedException} when the waiting thread was interrupted, or a parent's cause.
 * {@link #getSuppressed()} holds the failures of other tasks that ended later and were not a
 * consequence of the cancellation, in the order they ended.
 *
 * <p>A nested group's failure reaches its parent as the parent's cause: a group whose task awaited a
 * failed child group fails with an {@code ErrGroupException} whose cause is the child's
 * {@code ErrGroupException}. {@link #firstCause()} looks through these wrappers to the exception a
 * task threw (or the cancellation cause), which is what Go's {@code Wait} would have returned.
 */
public class ErrGroupException extends RuntimeException {

	private static final long serialVersionUID = 1L;

	/** How many nested groups {@link #firstCause()} looks through at most. */
	private static final int MAX_NESTING = 64;

	/** The name of the group that failed. */
	private final String groupName;

	/** Which task's failure is the cause, such as {@code task 'pricing' (#2)}; {@code null} if none. */
	private final String failedTask;

	/**
	 * Creates an exception for the named group.
	 * @param groupName the name of the group that failed
	 * @param cause the first failure, or the cancellation cause
	 * @param suppressed later failures, in the order they happened
	 */
	public ErrGroupException(String groupName, Throwable cause, List<? extends Throwable> suppressed) {
		this(groupName, null, cause, suppressed);
	}

	/**
	 * The engine's form: when a task failed first, the message starts with it (S38), as in
	 * {@code task 'pricing' (#2) of group 'product-page' failed: java.lang.IllegalStateException: ...},
	 * or {@code task #2 of group ...} for an unnamed task.
	 */
	ErrGroupException(String groupName, String failedTask, Throwable cause, List<? extends Throwable> suppressed) {
		super(((failedTask != null) ? failedTask + " of group '" : "group '") + groupName + "' failed: " + cause, cause);
		this.groupName = groupName;
		this.failedTask = failedTask;
		for (Throwable t : suppressed) {
			addSuppressed(t);
		}
	}

	/**
	 * Returns the first real cause: {@link #getCause()}, followed through every nested group's
	 * {@code ErrGroupException} to the first cause that is not one. For a group whose task awaited a
	 * failed child group, that is the exception the child's task threw, or the child's cancellation
	 * cause (for example its deadline's {@link java.util.concurrent.TimeoutException}); for a group
	 * without nesting, it is {@code getCause()}. Only {@code ErrGroupException}s are looked through,
	 * never the task's own exception chain.
	 * @return the first cause that is not an {@code ErrGroupException}; this exception, or the
	 * innermost nested one, if a chain ends without such a cause or is longer than
	 * 64 levels (which also bounds a chain that loops)
	 */
	public Throwable firstCause() {
		Throwable current = this;
		for (int depth = 0; depth < MAX_NESTING; depth++) {
			Throwable cause = current.getCause();
			if (cause == null || cause == current) {
				return current;
			}
			if (!(cause instanceof ErrGroupException)) {
				return cause;
			}
			current = cause;
		}
		return current;
	}

	/** Which task's failure is the cause, as the message names it; {@code null} if no task failed first. */
	String failedTask() {
		return this.failedTask;
	}

	/**
	 * Returns the name of the group that failed.
	 * @return the group name
	 */
	public String groupName() {
		return this.groupName;
	}

}
