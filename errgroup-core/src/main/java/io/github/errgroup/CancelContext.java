package io.github.errgroup;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A node of the cancellation tree: the one implementation of {@link GroupContext}.
 *
 * <h2>State</h2>
 * One field, {@code cause}, changed once by compare-and-set:
 * <pre>
 *   LIVE (cause == null) --cancel(c)--&gt; CANCELLED (cause == c)
 *   LIVE (cause == null) --finish()--&gt; CANCELLED (cause == FINISHED, a marker)
 *   FINISHED --the first cause() to see it: CAS--&gt; a {@link Group.Finished} naming this context
 * </pre>
 * {@code finish()} is S5's cancel of a group that ends without one; every group that succeeds makes
 * it, and almost none reads its cause, so the exception is made only when {@link #cause()} is first
 * read; whoever loses that compare-and-set returns the winner's, so the cause never changes once seen.
 * The thread whose compare-and-set from LIVE wins does all the side effects, once: first
 * {@link #cancelled(Throwable)} (a group interrupts its running tasks and drops its pending ones),
 * then the {@code onCancel} callbacks, which include the children's "cancel me too" callbacks.
 *
 * <h2>Callbacks, exactly once</h2>
 * Callbacks live in a concurrent set, created on first use. Whoever removes a callback from the set
 * owns it: the canceller runs what it removes, {@code Registration.close()} discards what it removes.
 * Registration adds first and reads {@code cause} second; cancellation writes {@code cause} first and
 * drains second. So a callback added during the drain is either seen by the drain or sees the cause
 * itself and removes-and-runs it in the registering thread; the set's {@code remove} decides which
 * one runs it, and only one does.
 */
abstract non-sealed class CancelContext implements GroupContext {

	/**
	 * What this thread is bound to (see {@link Binding}), in a box made on the thread's first binding
	 * and kept: binding and restoring are then field writes, where a thread-local's {@code set} on
	 * each would probe its map twice per task.
	 */
	private static final ThreadLocal<Binding> CURRENT = new ThreadLocal<>();

	private static final VarHandle CAUSE;

	private static final VarHandle CALLBACKS;

	static {
		try {
			MethodHandles.Lookup lookup = MethodHandles.lookup();
			CAUSE = lookup.findVarHandle(CancelContext.class, "cause", Throwable.class);
			CALLBACKS = lookup.findVarHandle(CancelContext.class, "callbacks", Set.class);
		}
		catch (ReflectiveOperationException ex) {
			throw new ExceptionInInitializerError(ex);
		}
	}

	/** {@code cause} of a context that {@link #finish()} cancelled, until {@link #cause()} makes its exception. */
	private static final Throwable FINISHED = new Group.Finished("(finished)");

	private final String name;

	private final Instant deadline;

	/** The clock {@code deadline} was computed on, and is read against. */
	private final DeadlineClock clock;

	private volatile Throwable cause;

	private volatile Set<Callback> callbacks;

	CancelContext(String name, Instant deadline, DeadlineClock clock) {
		this.name = name;
		this.deadline = deadline;
		this.clock = clock;
	}

	static CancelContext currentOrNull() {
		Object bound = boundOrNull();
		return (bound instanceof TaskImpl) ? ((TaskImpl<?>) bound).group.context : (CancelContext) bound;
	}

	/** The task running on this thread (its body, or its decorator around it), or {@code null}. */
	static TaskImpl<?> currentTaskOrNull() {
		Object bound = boundOrNull();
		return (bound instanceof TaskImpl) ? (TaskImpl<?>) bound : null;
	}

	private static Object boundOrNull() {
		Binding binding = CURRENT.get();
		return (binding != null) ? binding.bound : null;
	}

	/** This thread's binding, made on first use and kept for the thread's life. */
	static Binding binding() {
		Binding binding = CURRENT.get();
		if (binding == null) {
			binding = new Binding();
			CURRENT.set(binding);
		}
		return binding;
	}

	/**
	 * Makes {@code binding} (a {@code CancelContext}, or a {@link TaskImpl} about to run its body) current
	 * on this thread and returns what was bound before, for {@link #restore(Object)}.
	 */
	static Object bind(Object binding) {
		return binding().swap(binding);
	}

	static void restore(Object previous) {
		binding().swap(previous);
	}

	/**
	 * What one thread is bound to: a {@link TaskImpl} while it runs a task (its context is the task's
	 * group's), a {@code CancelContext} for a bound scope, or nothing ({@code null}, as invisible to the
	 * next task as no binding, S16). One box for both, so that {@link GroupContext#shield()} can find
	 * the task. Only its thread reads or writes it.
	 */
	static final class Binding {

		private Object bound;

		/** Binds {@code next}; returns what was bound, for the matching swap back. */
		Object swap(Object next) {
			Object previous = this.bound;
			this.bound = next;
			return previous;
		}

	}

	/**
	 * Cancels this context with the given cause unless it was cancelled before.
	 * @return whether this call cancelled it
	 */
	final boolean cancel(Throwable cause) {
		Objects.requireNonNull(cause, "cause");
		if (!CAUSE.compareAndSet(this, null, cause)) {
			return false;
		}
		cancelled(cause);
		return true;
	}

	/**
	 * Cancels this context, as {@link #cancel(Throwable)} does, with a {@link Group.Finished} cause made
	 * when it is first read (see the class comment).
	 * @return whether this call cancelled it
	 */
	final boolean finish() {
		if (!CAUSE.compareAndSet(this, null, FINISHED)) {
			return false;
		}
		cancelled(FINISHED);
		return true;
	}

	/** Whether {@code cause}, given to {@link #cancelled(Throwable)}, is {@link #finish()}'s. */
	static boolean isFinish(Throwable cause) {
		return cause == FINISHED;
	}

	/**
	 * The side effects of cancellation, run once by the thread that cancelled. Subclasses do their
	 * own work and then call {@code super}, which runs the callbacks.
	 */
	void cancelled(Throwable cause) {
		Set<Callback> set = this.callbacks;
		if (set != null) {
			for (Callback callback : set) {
				callback.claimAndRun();
			}
		}
	}

	@Override
	public final boolean isCancelled() {
		return this.cause != null;
	}

	@Override
	public final Throwable cause() {
		Throwable c = this.cause;
		if (c == FINISHED) {
			Throwable made = new Group.Finished(this.name);
			c = CAUSE.compareAndSet(this, FINISHED, made) ? made : this.cause;
		}
		return c;
	}

	@Override
	public final void throwIfCancelled() {
		Throwable c = cause();
		if (c != null) {
			CancellationException ex = new CancellationException("group '" + this.name + "' was cancelled: " + c);
			ex.initCause(c);
			throw ex;
		}
	}

	@Override
	public final Optional<Instant> deadline() {
		return Optional.ofNullable(this.deadline);
	}

	@Override
	public final Optional<Duration> timeLeft() {
		Instant d = this.deadline;
		if (d == null) {
			return Optional.empty();
		}
		Duration left = Duration.between(this.clock.instant(), d); // fits: Instant's range is far below Duration's
		return Optional.of(left.isNegative() ? Duration.ZERO : left);
	}

	final Instant deadlineOrNull() {
		return this.deadline;
	}

	@Override
	public final String groupName() {
		return this.name;
	}

	@Override
	public final Registration onCancel(Runnable callback) {
		Objects.requireNonNull(callback, "onCancel callback must not be null");
		Callback registration = new Callback(callbacks(), callback);
		registration.set.add(registration);
		if (this.cause != null) {
			registration.claimAndRun();
		}
		return registration;
	}

	private Set<Callback> callbacks() {
		Set<Callback> set = this.callbacks;
		if (set == null) {
			Set<Callback> created = ConcurrentHashMap.newKeySet();
			set = CALLBACKS.compareAndSet(this, null, created) ? created : this.callbacks;
		}
		return set;
	}

	@Override
	public String toString() {
		Throwable c = cause();
		return "GroupContext[" + this.name + (c != null ? ", cancelled: " + c : ", live")
				+ (this.deadline != null ? ", deadline " + this.deadline : "") + "]";
	}

	private static final class Callback implements Registration {

		final Set<Callback> set;

		final Runnable action;

		Callback(Set<Callback> set, Runnable action) {
			this.set = set;
			this.action = action;
		}

		void claimAndRun() {
			if (this.set.remove(this)) {
				try {
					this.action.run();
				}
				catch (Throwable ex) {
					Thread current = Thread.currentThread();
					current.getUncaughtExceptionHandler().uncaughtException(current, ex);
				}
			}
		}

		@Override
		public void close() {
			this.set.remove(this);
		}

	}

}
