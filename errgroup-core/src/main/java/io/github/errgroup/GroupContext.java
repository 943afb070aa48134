package io.github.errgroup;

import java.time.Duration;
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
	 * Integration hook: returns the context of the group whose task runs on this thread, whether a
	 * pool thread or a thread waiting for the group runs it. Unlike {@link #current()}, it is empty on a
	 * thread that only has a scope bound (a web request's thread outside any task, in Spring), so that an
	 * integration can tell code running in a task from code running beside one.
	 * @return the context of the task's group, or empty outside any task
	 */
	static Optional<GroupContext> ofCurrentTask() {
		TaskImpl<?> task = CancelContext.currentTaskOrNull();
		return (task != null) ? Optional.of(task.group.context) : Optional.empty();
	}

	/**
	 * Begins a shielded region of the task running on this thread: the group's cancellation, should it
	 * come, still cancels the context (the flag, the cause, the {@code onCancel} callbacks, at once), but
	 * the interrupt it sends the task is held back until the region ends, and is then delivered if the
	 * group is cancelled. For code that an interrupt would damage rather than stop: a
	 * {@link java.nio.channels.FileChannel} or a JDBC driver's socket is closed by an interrupt, so
	 * shield the write and stop it another way, from an {@code onCancel} callback (a statement's
	 * {@code cancel()}), or let it finish. As Kotlin's {@code withContext(NonCancellable)}:
	 * <pre>{@code
	 * try (GroupContext.Shield shield = GroupContext.shield()) {
	 *     channel.write(buffer);
	 * }
	 * }</pre>
	 * <ul>
	 * <li>A group cancelled before the region began: the interrupt it sent, if still set, is cleared
	 * when the region begins, and the task is interrupted again when the region ends, as it is after a
	 * region the cancellation came during.</li>
	 * <li>Only the group's interrupt is held back: an interrupt from elsewhere
	 * ({@link Thread#interrupt()} by other code, or the owner's interrupt of a thread that runs a task
	 * while it waits for the group) reaches the thread as always.</li>
	 * <li>Regions nest; only the outermost one's end delivers the interrupt.</li>
	 * <li>{@link ErrGroup#await()} and {@link ErrGroup#close()} still wait for a shielded task: hold
	 * a region only as long as the work that needs it.</li>
	 * <li>A task that cancels its own group (by failing, or with {@code cancel}) is not interrupted,
	 * shielded or not.</li>
	 * <li>A region still open when the task's body returns ends with the task; nothing of it outlives
	 * the task.</li>
	 * <li>A task of another group that this thread runs inside the region (while the task awaits a group
	 * of its own) is not shielded by it; a region of such a task holds back the interrupt of the task
	 * awaiting it as well.</li>
	 * </ul>
	 * On a thread that runs no task (see {@link #ofCurrentTask()}), it returns a shield that does
	 * nothing.
	 * @return the region, to close on this thread, best with try-with-resources
	 */
	static Shield shield() {
		TaskImpl<?> task = CancelContext.currentTaskOrNull();
		return (task != null) ? task.shield() : TaskImpl.NO_SHIELD;
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
	 * Returns the time left before {@link #deadline()}, read on the clock the deadline was set on:
	 * the factory's {@link DeadlineClock} for a group's context (the wall clock unless a test set
	 * another), the wall clock for a {@link CancellationScope}'s.
	 * <p><em>Integration hook</em> (see the package overview): for code that hands the deadline on as
	 * a relative timeout (a request header, a statement timeout), so that it agrees with the timer that
	 * fires it, in tests with a virtual clock too.
	 * @return the time left, {@link Duration#ZERO} once the deadline has passed; empty when there is
	 * no deadline
	 */
	Optional<Duration> timeLeft();

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
	 * A shielded region of a task, begun by {@link GroupContext#shield()}.
	 */
	interface Shield extends AutoCloseable {

		/**
		 * Ends the region; if it is the outermost one and the group was cancelled meanwhile or before,
		 * interrupts this thread. Closing it again does nothing.
		 * @throws IllegalStateException on a thread other than the one that opened it
		 */
		@Override
		void close();

	}

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
