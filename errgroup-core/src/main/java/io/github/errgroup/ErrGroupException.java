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
 */
public class ErrGroupException extends RuntimeException {

	private static final long serialVersionUID = 1L;

	/** The name of the group that failed. */
	private final String groupName;

	/**
	 * Creates an exception for the named group.
	 * @param groupName the name of the group that failed
	 * @param cause the first failure, or the cancellation cause
	 * @param suppressed later failures, in the order they happened
	 */
	public ErrGroupException(String groupName, Throwable cause, List<? extends Throwable> suppressed) {
		super("group '" + groupName + "' failed: " + cause, cause);
		this.groupName = groupName;
		for (Throwable t : suppressed) {
			addSuppressed(t);
		}
	}

	/**
	 * Returns the name of the group that failed.
	 * @return the group name
	 */
	public String groupName() {
		return this.groupName;
	}

}
