package io.github.errgroup;

import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CancellationException;

/**
 * The cancellation context of a group: Go's {@code context.Context} for the tasks of an
 * {@link ErrGroup}.
 *
 * <p>A context starts live and is cancelled at most once, with a cause: the first failure of a task,
 * an explicit {@link ErrGroup#cancel(Throwable)}, a passed deadline, the cancellation of its parent,
 * or the end of its group ({@link ErrGroup#await()} returning, Go's rule). Cancellation is final and
 * visible to every thread at once; the callbacks registered with {@link #onCancel(Runnable)} then run
 * exactly once.
 *
 * <p>Inside a task, {@link #current()} returns the context of the task's group, and a group opened
 * there becomes a child of it: cancelling the parent cancels the child with the parent's cause.
 */
public sealed interface GroupContext permits CancelContext {

	/**
	 * Returns the context of the group whose task runs on this thread, or of the scope bound to this
	 * thread (a web request, in Spring), or empty.
	 * @return the current context, if any
	 */
	static Optional<GroupContext> current() {
		return Optional.ofNullable(CancelContext.currentOrNull());
	}

	/**
	 * Returns whether this context was cancelled.
	 * @return {@code true} once cancelled, forever after
	 */
	boolean isCancelled();

	/**
	 * Returns the cause this context was cancelled with.
	 * @return the cause, or {@code null} while the context is live
	 */
	Throwable cause();

	/**
	 * Throws if this context was cancelled: the cooperative check for a long task to make between two
	 * steps.
	 * @throws CancellationException whose cause is {@link #cause()}, when cancelled
	 */
	void throwIfCancelled();

	/**
	 * Returns the deadline of this context: its own timeout, or its parent's deadline if earlier.
	 * @return the deadline, or empty when there is none
	 */
	Optional<Instant> deadline();

	/**
	 * Registers a callback to run once, when this context is cancelled, on the thread that cancels
	 * it. Registered on a context already cancelled, the callback runs at once, on this thread, before
	 * this method returns. A callback that throws does not stop the others; its exception is reported
	 * to the thread's uncaught exception handler.
	 * @param callback what to run, for example closing a connection that a task is blocked on
	 * @return a registration whose {@code close()} removes the callback if it has not run yet
	 * @throws NullPointerException if the callback is {@code null}
	 */
	Registration onCancel(Runnable callback);

	/**
	 * Returns the name of the group this context belongs to (or of the scope, for a context that is
	 * not a group's).
	 * @return the name
	 */
	String groupName();

	/**
	 * The handle of an {@link GroupContext#onCancel(Runnable)} callback. Closing it removes the
	 * callback if it has not run yet; closing it again does nothing.
	 */
	interface Registration extends AutoCloseable {

		/**
		 * Removes the callback unless it already ran or is running.
		 */
		@Override
		void close();

	}

}
