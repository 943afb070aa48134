package io.github.errgroup;

/**
 * A task started by {@link ErrGroup#go(Callable)} and its siblings: a handle to read its state, and
 * its result once the group has been awaited.
 *
 * <p>Each task ends in exactly one of {@link State#SUCCESS}, {@link State#FAILED} or
 * {@link State#CANCELLED}:
 * <pre>
 *   PENDING --&gt; RUNNING --&gt; SUCCESS | FAILED | CANCELLED
 *   PENDING --&gt; CANCELLED        (the group was cancelled before the body started)
 * </pre>
 *
 * @param <T> the result type
 */
public sealed interface Task<T> permits TaskImpl {

	/**
	 * Returns the state of this task now.
	 * @return the state
	 */
	State state();

	/**
	 * Returns the result of a task that succeeded, without waiting.
	 * @return the result, which may be {@code null} (always for a {@link VoidTask})
	 * @throws IllegalStateException if the task has not succeeded: it is still pending or running,
	 * or it failed or was cancelled
	 */
	T resultNow();

	/**
	 * Returns the exception of a task that failed, without waiting.
	 * @return the exception the task threw
	 * @throws IllegalStateException if the task has not failed
	 */
	Throwable exceptionNow();

	/**
	 * The states of a task.
	 */
	enum State {

		/** Spawned, not started: queued in the executor, or waiting for a limit slot. */
		PENDING,

		/** Its body is running on some thread. */
		RUNNING,

		/** Its body returned normally. */
		SUCCESS,

		/** Its body threw, and the exception was not a consequence of the group's cancellation. */
		FAILED,

		/**
		 * The group was cancelled before the body started, or the body ended with an
		 * {@link InterruptedException}, {@link java.util.concurrent.CancellationException} or
		 * {@link java.io.InterruptedIOException} after the group was cancelled.
		 */
		CANCELLED;

		/**
		 * Returns whether this is one of the three final states.
		 * @return {@code true} for {@code SUCCESS}, {@code FAILED} and {@code CANCELLED}
		 */
		public boolean isFinal() {
			return this == SUCCESS || this == FAILED || this == CANCELLED;
		}

	}

}
