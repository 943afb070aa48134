package io.github.errgroup;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CancellationException;

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
 * Callbacks live in a {@link LinkedStack}, created on first use. Each callback has a state of its
 * own, changed once by compare-and-set:
 * <pre>
 *   LIVE --the canceller's walk, or the registering thread that saw the cause--&gt; RAN (it runs the action)
 *   LIVE --{@code Registration.close()}----------------------------------------&gt; CLOSED (the action is dropped)
 * </pre>
 * Registration pushes first and reads {@code cause} second; cancellation writes {@code cause} first and
 * walks second. So a callback pushed during the walk is either seen by the walk or sees the cause
 * itself and runs it in the registering thread; the compare-and-set decides which one runs it, and
 * only one does. RAN and CLOSED callbacks are ended: the stack's pushers unlink them later, so closing
 * a registration is one compare-and-set, and a context that outlives many registrations (a request's
 * scope, a parent group whose children come and go) holds about as many as are live.
 *
 * <p>A context is also the node by which its factory lists an open group ({@link #isEnded()}).
 */
abstract non-sealed class CancelContext extends LinkedStack.Node implements GroupContext {

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
			CALLBACKS = lookup.findVarHandle(CancelContext.class, "callbacks", LinkedStack.class);
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

	/** The {@code onCancel} callbacks; {@code null} until the first. */
	private volatile LinkedStack callbacks;

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
		LinkedStack stack = this.callbacks;
		if (stack != null) {
			for (LinkedStack.Node n = stack.top(); n != null; n = n.next) {
				((Callback) n).claimAndRun();
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
		return register(new Callback(callback));
	}

	/**
	 * Links a child group to this context (S14): this context's cancellation cancels the child with
	 * this cause, as an {@code onCancel} callback would, and a factory finds its open groups through
	 * these links (see {@link ErrGroupFactory}).
	 * @return the registration, which the child closes when it finishes
	 */
	final Registration adopt(Group child) {
		return register(new Callback(child));
	}

	/** Adds to {@code into} the child groups whose links are live: neither closed nor run. */
	final void addLinkedChildren(List<Group> into) {
		LinkedStack stack = this.callbacks;
		if (stack != null) {
			for (LinkedStack.Node n = stack.top(); n != null; n = n.next) {
				Object action = ((Callback) n).action;
				if (action instanceof Group && !n.isEnded()) {
					into.add((Group) action);
				}
			}
		}
	}

	/** How many callbacks the list links now, ended ones not yet unlinked included; for tests. */
	final int linkedCallbacks() {
		LinkedStack stack = this.callbacks;
		return (stack != null) ? stack.linked() : 0;
	}

	private Registration register(Callback registration) {
		LinkedStack stack = callbacks();
		stack.push(registration);
		if (this.cause != null) {
			registration.claimAndRun();
		}
		else {
			stack.maybeClean(); // unlinks ended callbacks now and then; a cancelled context needs none
		}
		return registration;
	}

	private LinkedStack callbacks() {
		LinkedStack stack = this.callbacks;
		if (stack == null) {
			LinkedStack created = new LinkedStack();
			stack = CALLBACKS.compareAndSet(this, null, created) ? created : this.callbacks;
		}
		return stack;
	}

	@Override
	public String toString() {
		Throwable c = cause();
		return "GroupContext[" + this.name + (c != null ? ", cancelled: " + c : ", live")
				+ (this.deadline != null ? ", deadline " + this.deadline : "") + "]";
	}

	/** One {@code onCancel} registration; see the class comment for its states. */
	private static final class Callback extends LinkedStack.Node implements Registration {

		private static final VarHandle STATE;

		static {
			try {
				STATE = MethodHandles.lookup().findVarHandle(Callback.class, "state", int.class);
			}
			catch (ReflectiveOperationException ex) {
				throw new ExceptionInInitializerError(ex);
			}
		}

		private static final int LIVE = 0;

		private static final int RAN = 1;

		private static final int CLOSED = 2;

		private volatile int state;

		/**
		 * A {@code Runnable}, or the child {@link Group} of {@link #adopt}; run only by the thread that
		 * won LIVE -&gt; RAN, let go by the one that won LIVE -&gt; CLOSED (a walker of the factory's open
		 * groups may read it meanwhile: it sees the child or {@code null}).
		 */
		private Object action;

		Callback(Object action) {
			this.action = action;
		}

		void claimAndRun() {
			if (this.state == LIVE && STATE.compareAndSet(this, LIVE, RAN)) {
				Object a = this.action;
				this.action = null;
				try {
					if (a instanceof Group) {
						((Group) a).parentCancelled();
					}
					else {
						((Runnable) a).run();
					}
				}
				catch (Throwable ex) {
					Thread current = Thread.currentThread();
					current.getUncaughtExceptionHandler().uncaughtException(current, ex);
				}
			}
		}

		@Override
		public void close() {
			if (this.state == LIVE && STATE.compareAndSet(this, LIVE, CLOSED)) {
				this.action = null; // what it holds (a child group, a client call) need not wait for the unlinking
			}
		}

		@Override
		boolean isEnded() {
			return this.state != LIVE;
		}

	}

}
