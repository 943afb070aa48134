package io.github.errgroup;

import java.io.InterruptedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Optional;
import java.util.concurrent.CancellationException;

/**
 * One task of a group, and the {@link Runnable} handed to the executor.
 *
 * <h2>States</h2>
 * The task's whole life is the {@code state} field, changed by compare-and-set wherever two threads
 * may race for a transition, so that exactly one of a pool thread, a waiting thread and a canceller
 * decides it. Every transition the code makes, and who makes it:
 * <pre>
 *   (new) ------------------&gt; CANCELLED  cancelAtSpawn: plain write, by the spawner, on a task it
 *                                        never pushed nor submitted (the group was cancelled or sealed,
 *                                        or the blocking guard refused): no thread races for it
 *   PENDING ----------------&gt; RUNNING    runBy: CAS, by the one thread that claimed {@code runner}
 *   PENDING ----------------&gt; CANCELLED  cancelIfPending: CAS, by a canceller walking the group, or by
 *                                        the spawner that pushed after the cancel began
 *   RUNNING ----------------&gt; INTERRUPTING  interruptIfRunning: CAS, by the canceller
 *   INTERRUPTING -----------&gt; INTERRUPTED   CAS, by that canceller, after interrupt()
 *   INTERRUPTING -----------&gt; RUNNING       plain write, by that canceller when it is the runner itself
 *                                           (a task failing cancels its own group): no self-interrupt
 *   INTERRUPTING -----------&gt; INTERRUPTING_AWAITED  CAS, by the runner, which then sleeps on its
 *                                           group's condition until the canceller is done (it wants
 *                                           to end, or to enter a shield)
 *   INTERRUPTING_AWAITED ---&gt; INTERRUPTED   plain write, by that canceller when its CAS above failed,
 *                                           then it signals the condition under the group's lock
 *   RUNNING ----------------&gt; SHIELDED      enterShield: CAS, by the runner (S32)
 *   SHIELDED ---------------&gt; RUNNING       exitShield: CAS, by the runner
 *   SHIELDED ---------------&gt; INTERRUPT_OWED  interruptIfRunning: CAS, by the canceller, instead of
 *                                           interrupting (and nothing when it is the runner itself)
 *   INTERRUPTED ------------&gt; INTERRUPT_OWED  enterShield: plain write, by the runner, which then clears
 *                                           the interrupt
 *   INTERRUPT_OWED ---------&gt; INTERRUPTED   exitShield: plain write, by the runner, after interrupting
 *                                           itself
 *   RUNNING | INTERRUPTED | SHIELDED | INTERRUPT_OWED --&gt; SUCCESS | FAILED | CANCELLED  finish: CAS,
 *                                        by the runner; leaving INTERRUPTED clears the thread's
 *                                        interrupt; leaving a region the body did not close drops it
 * </pre>
 * The plain writes are safe because the runner's only move out of INTERRUPTING is the CAS to
 * INTERRUPTING_AWAITED, which it never leaves itself (it sleeps until the canceller is done), so the
 * thread that won {@code RUNNING -> INTERRUPTING} is the only one to write over either; and the
 * canceller, which acts once per task, never leaves INTERRUPTED or INTERRUPT_OWED. SUCCESS, FAILED and
 * CANCELLED are final. INTERRUPTING, INTERRUPTING_AWAITED, INTERRUPTED, SHIELDED and INTERRUPT_OWED are
 * RUNNING to the outside world.
 *
 * <h2>Claiming</h2>
 * The executor and the waiting thread may both hold this runnable; the first to set {@code runner}
 * from {@code null} may try {@code PENDING -> RUNNING}; everyone else returns at once. The runner is
 * thus published before the state says RUNNING, which is what lets a canceller read it safely.
 *
 * <h2>Interrupts</h2>
 * A canceller interrupts the runner only after winning {@code RUNNING -> INTERRUPTING}, and the
 * runner cannot leave INTERRUPTING (it yields until the canceller has set INTERRUPTED), so the
 * interrupt always lands while the thread still runs this task, never on a pool thread that moved
 * on (the classic {@code FutureTask} cancel race). A runner leaving INTERRUPTED clears the interrupt
 * before its thread goes back to the pool or to waiting.
 *
 * <p>The runner that reaches INTERRUPTING sleeps, where {@code FutureTask} yields: the canceller's
 * {@code interrupt()} of a virtual thread unparks it (a submit to its scheduler, often a wake-up of a
 * carrier), during which the woken runner comes back to its task's end; a virtual thread's
 * {@code Thread.yield()} only gives its carrier to other virtual threads, so it spun on a carrier
 * (about half a million yields a second in the virtual-thread cancel-latency benchmark, 25 to 280
 * per cancelled group), taking a core from the canceller it waited for on a busy machine. It sleeps on
 * the group's lock and condition (checked and signalled under the lock, so no wake-up is lost), a
 * rare path that makes the group's lock if nothing had, rather than a bare park, so that it leaves no
 * stray permit for the thread's next park and waits the way the rest of the engine does.
 */
final class TaskImpl<T> implements Task<T>, TaskInfo, Runnable {

	private static final int PENDING = 0;

	private static final int RUNNING = 1;

	private static final int INTERRUPTING = 2;

	private static final int INTERRUPTED = 3;

	private static final int SHIELDED = 4;

	private static final int INTERRUPT_OWED = 5;

	private static final int INTERRUPTING_AWAITED = 6;

	private static final int SUCCESS = 7;

	private static final int FAILED = 8;

	private static final int CANCELLED = 9;

	private static final VarHandle STATE;

	private static final VarHandle RUNNER;

	private static final VarHandle NEXT;

	static {
		try {
			MethodHandles.Lookup lookup = MethodHandles.lookup();
			STATE = lookup.findVarHandle(TaskImpl.class, "state", int.class);
			RUNNER = lookup.findVarHandle(TaskImpl.class, "runner", Thread.class);
			NEXT = lookup.findVarHandle(TaskImpl.class, "next", TaskImpl.class);
		}
		catch (ReflectiveOperationException ex) {
			throw new ExceptionInInitializerError(ex);
		}
	}

	final Group group;

	final int index;

	/** The name given to {@code go} (S38), or {@code null}: an unnamed task pays only this field. */
	private final String name;

	static final byte KIND_CALLABLE = 0;

	static final byte KIND_GROUP_TASK = 1;

	static final byte KIND_VOID_TASK = 2;

	/** A {@link java.util.concurrent.Callable}, a {@link GroupTask} or a {@link VoidTask}, as {@code kind} says. */
	private final Object body;

	private final byte kind;

	private volatile int state;

	private volatile Thread runner;

	/**
	 * What actually runs: {@link #runBody()} wrapped by the factory's task decorator in {@code go};
	 * {@code null} without a decorator.
	 */
	Runnable decorated;

	private T result;

	private Throwable exception;

	/**
	 * When the task was spawned, started and finished ({@link System#nanoTime()} readings, at
	 * {@code SPAWNED}, {@code STARTED}, {@code FINISHED_AT}), for {@link TaskInfo}, which only listeners
	 * see; {@code null} when the factory has none, so that such a task costs neither the array nor
	 * the clock reads (a {@code Task} handle is a {@code TaskInfo} only by a cast, and then reads 0).
	 * Written by whoever makes the transition, like the fields above.
	 */
	private final long[] nanos;

	private static final int SPAWNED = 0;

	private static final int STARTED = 1;

	private static final int FINISHED_AT = 2;

	private boolean ranByWaiter;

	/**
	 * Set when this task, run by the waiter, ended on an interrupt while its group was live: the
	 * interrupt may have been meant for the waiter (S8), which then sets its flag again.
	 */
	boolean consumedWaiterInterrupt;

	/**
	 * How many {@link GroupContext.Shield}s of this task are open; written and read by the runner only.
	 * The state says SHIELDED or INTERRUPT_OWED while it is above zero.
	 */
	private int shields;

	/**
	 * The task this thread was running when it started this one: the task awaiting a group of its own
	 * whose task it runs meanwhile (S15), or {@code null}. A region of this task is one of that task
	 * too, so that the enclosing task's cancellation does not interrupt it. Written and read by the
	 * runner only.
	 */
	private TaskImpl<?> enclosing;

	/**
	 * The next older task in the group's list; set before the task is published, later changed only
	 * by the list's one cleaner (see {@link TaskStack}).
	 */
	volatile TaskImpl<?> next;

	/** The executor refused it; guarded by the group's lock. */
	boolean rejected;

	TaskImpl(Group group, int index, String name, Object body, byte kind) {
		this.group = group;
		this.kind = kind;
		this.index = index;
		this.name = name;
		this.body = body;
		this.nanos = group.listeners.isEmpty() ? null : new long[] { System.nanoTime(), 0L, 0L };
	}

	/** The executor's entry point. */
	@Override
	public void run() {
		runBy(false);
	}

	/**
	 * Runs the task if this thread can claim it; returns at once otherwise.
	 * @param waiter whether the thread is the group's waiter (or a {@code go} held by the limit)
	 */
	void runBy(boolean waiter) {
		if (this.runner != null || !RUNNER.compareAndSet(this, null, Thread.currentThread())) {
			return;
		}
		if (!STATE.compareAndSet(this, PENDING, RUNNING)) {
			return; // cancelled while pending; the canceller accounted for it
		}
		this.ranByWaiter = waiter;
		try {
			if (this.group.context.isCancelled()) {
				// S4: cancelled between claim and start; the body never runs.
				finish(CANCELLED, null, null);
			}
			else {
				Runnable wrapped = this.decorated;
				if (wrapped != null) {
					wrapped.run();
				}
				else {
					runBody();
				}
				if (!isFinal()) {
					failed(new IllegalStateException(
							"The task decorator returned without running the task: a decorator must call run() on the runnable it wraps"));
				}
			}
		}
		catch (Throwable ex) {
			if (!isFinal()) {
				failed(ex); // the decorator itself failed: a failure like any other
			}
			else {
				Group.LOG.log(System.Logger.Level.WARNING, "Task decorator or listener failed after task " + this + " ended", ex);
			}
		}
		finally {
			this.group.taskEnded(this);
		}
	}

	/** The runnable handed to the task decorator: the body, inside the group's context. */
	void runBody() {
		CancelContext.Binding binding = CancelContext.binding(); // one lookup for bind and restore
		Object previous = binding.swap(this);
		if (previous instanceof TaskImpl) {
			this.enclosing = (TaskImpl<?>) previous;
		}
		try {
			stamp(STARTED);
			this.group.listeners.taskStarted(this);
			T value;
			try {
				value = call();
			}
			catch (Throwable ex) {
				failed(ex);
				return;
			}
			finish(SUCCESS, value, null);
		}
		finally {
			binding.swap(previous);
		}
	}

	@SuppressWarnings("unchecked")
	private T call() throws Exception {
		Object task = this.body;
		switch (this.kind) {
			case KIND_GROUP_TASK:
				return ((GroupTask<T>) task).call(this.group.context);
			case KIND_VOID_TASK:
				((VoidTask) task).run();
				return null;
			default:
				return ((java.util.concurrent.Callable<T>) task).call();
		}
	}

	private void failed(Throwable ex) {
		if (!this.group.context.isCancelled() && isInterruptOf(ex)) {
			// S29: the outcome is decided by what the task threw and whether its group was cancelled,
			// never by the thread: an interrupt while the group is live is a failure (S2), on a pool
			// thread and on the waiter alike, unless it was the parent's cancellation arriving first.
			this.group.interruptedWhileLive();
			// S8 with S15: on the waiter the interrupt may have been its owner's, consumed by the task's
			// blocking call; nothing tells the two apart, so the waiter sets its flag again, as code that
			// catches an InterruptedException it cannot rethrow should.
			this.consumedWaiterInterrupt = this.ranByWaiter;
		}
		Throwable cause = this.group.context.cause();
		if (cause != null && isConsequenceOfCancellation(ex, cause)) {
			finish(CANCELLED, null, ex); // S2: not a failure, not kept
		}
		else {
			this.group.taskFailed(this, ex); // S2, S3: the first failure cancels the group
			finish(FAILED, null, ex);
		}
	}

	private static boolean isInterruptOf(Throwable ex) {
		Throwable t = ex;
		for (int depth = 0; t != null && depth < 8; depth++, t = t.getCause()) {
			if (t instanceof InterruptedException || t instanceof InterruptedIOException) {
				return true;
			}
		}
		return false;
	}

	/**
	 * An interrupt-like exception after cancellation is how a task obeys it. Exceptions that wrap one
	 * (a client library's {@code RuntimeException(InterruptedException)}) count too.
	 */
	private static boolean isConsequenceOfCancellation(Throwable ex, Throwable cause) {
		Throwable t = ex;
		for (int depth = 0; t != null && depth < 8; depth++, t = t.getCause()) {
			if (t == cause || t instanceof InterruptedException || t instanceof CancellationException
					|| t instanceof InterruptedIOException) {
				return true;
			}
			if (t.getCause() == t) {
				break;
			}
		}
		return false;
	}

	/** Moves a RUNNING task to its final state; only the runner calls this. */
	private void finish(int finalState, T value, Throwable ex) {
		this.result = value;
		this.exception = ex;
		stamp(FINISHED_AT);
		for (;;) {
			int s = this.state;
			if (s >= SUCCESS) {
				return; // already final: nothing to publish twice
			}
			if (s == INTERRUPTING) {
				awaitInterrupt();
			}
			else if (STATE.compareAndSet(this, s, finalState)) {
				if (s == INTERRUPTED) {
					Thread.interrupted(); // the cancel interrupt must not outlive the task
				}
				// From SHIELDED or INTERRUPT_OWED (a shield the body never closed): the owed interrupt is
				// not delivered, the task is over; nothing of the region outlives it (S16).
				if (this.shields > 0 && this.enclosing != null) {
					this.enclosing.exitShield();
				}
				this.shields = 0;
				break;
			}
		}
		this.group.listeners.taskFinished(this);
	}

	/**
	 * Cancels the task if it has not been claimed: {@code PENDING -> CANCELLED}.
	 * @return whether this call cancelled it (the caller then accounts for it)
	 */
	boolean cancelIfPending() {
		// Read first: the canceller's walk meets mostly claimed or ended tasks, and a failing
		// compare-and-set still takes the task's cache line exclusively from its runner.
		if (this.state == PENDING && STATE.compareAndSet(this, PENDING, CANCELLED)) {
			stamp(FINISHED_AT);
			return true;
		}
		return false;
	}

	/**
	 * Interrupts the runner if the body may be running, or owes it the interrupt if the body is
	 * shielded (S32); never the calling thread itself. Called once per task, by the group's canceller.
	 */
	void interruptIfRunning() {
		for (;;) {
			int s = this.state;
			if (s == SHIELDED) {
				if (this.runner == Thread.currentThread()) {
					return; // the shielded task cancels its own group: nothing to owe, as below
				}
				if (STATE.compareAndSet(this, SHIELDED, INTERRUPT_OWED)) {
					return; // S32: the runner delivers it when its region ends
				}
			}
			else if (s != RUNNING) {
				return; // pending (the canceller drops those), or ended
			}
			else if (STATE.compareAndSet(this, RUNNING, INTERRUPTING)) {
				Thread thread = this.runner;
				if (thread == Thread.currentThread()) {
					this.state = RUNNING; // a task failing cancels its own group: no self-interrupt
					return;
				}
				try {
					thread.interrupt();
				}
				finally {
					if (!STATE.compareAndSet(this, INTERRUPTING, INTERRUPTED)) {
						this.state = INTERRUPTED; // INTERRUPTING_AWAITED: the runner sleeps until this
						this.group.signalWaiters();
					}
				}
				return;
			}
			// The CAS failed: the runner entered or left a shield meanwhile; look again.
		}
	}

	/**
	 * On the runner, which found the canceller between its CAS and {@code interrupt()}: sleeps until the
	 * canceller has interrupted this thread and set INTERRUPTED ({@code INTERRUPTING ->
	 * INTERRUPTING_AWAITED}, see the class comment), or returns at once if it has meanwhile. The caller
	 * looks at the state again. The sleep is uninterruptible: the interrupt that comes meanwhile is the
	 * canceller's, which the runner clears on leaving INTERRUPTED.
	 */
	private void awaitInterrupt() {
		if (!STATE.compareAndSet(this, INTERRUPTING, INTERRUPTING_AWAITED)) {
			return;
		}
		Group.Monitor m = this.group.monitor();
		m.lock();
		try {
			while (this.state == INTERRUPTING_AWAITED) {
				m.changed.awaitUninterruptibly();
			}
		}
		finally {
			m.unlock();
		}
	}

	/**
	 * Begins a shielded region (S32), on the runner's thread: {@code RUNNING -> SHIELDED}, or
	 * {@code INTERRUPTED -> INTERRUPT_OWED}, which clears the interrupt the cancellation sent. A nested
	 * region only counts.
	 * @return whether a region began (false only if the task has ended: a listener's code)
	 */
	boolean enterShield() {
		if (this.shields > 0) {
			this.shields++;
			return true;
		}
		for (;;) {
			int s = this.state;
			if (s == RUNNING) {
				if (STATE.compareAndSet(this, RUNNING, SHIELDED)) {
					break;
				}
			}
			else if (s == INTERRUPTED) {
				// Only the runner leaves INTERRUPTED. The flag holds our interrupt, or it was consumed
				// already; an interrupt from elsewhere that came at the same time is indistinguishable and
				// is delivered again with ours when the region ends, not lost.
				this.state = INTERRUPT_OWED;
				Thread.interrupted();
				break;
			}
			else if (s == INTERRUPTING) {
				awaitInterrupt(); // the canceller is about to interrupt: let it, then clear it (see finish)
			}
			else {
				return false; // ended
			}
		}
		this.shields = 1;
		if (this.enclosing != null) {
			this.enclosing.enterShield(); // it runs on this thread, blocked in await until we end
		}
		return true;
	}

	/**
	 * Ends a shielded region, on the runner's thread. The outermost one goes {@code SHIELDED -> RUNNING},
	 * or {@code INTERRUPT_OWED -> INTERRUPTED} and interrupts this thread: the cancellation that came
	 * during the region, or before it, is delivered now.
	 */
	void exitShield() {
		if (this.shields == 0 || --this.shields > 0) {
			return; // ended (finish let go of the regions), or a nested region
		}
		if (!STATE.compareAndSet(this, SHIELDED, RUNNING) && this.state == INTERRUPT_OWED) {
			// Only the runner leaves INTERRUPT_OWED; the canceller has done its part.
			Thread.currentThread().interrupt();
			this.state = INTERRUPTED;
		}
		if (this.enclosing != null) {
			this.enclosing.exitShield();
		}
	}

	/** What {@link GroupContext#shield()} returns where no task of this thread can be shielded. */
	static final GroupContext.Shield NO_SHIELD = () -> {
	};

	/** {@link GroupContext#shield()} on the runner's thread. */
	GroupContext.Shield shield() {
		return enterShield() ? new Shield(this) : NO_SHIELD;
	}

	/** One region: closing it twice ends it once; closing it on another thread is refused. */
	private static final class Shield implements GroupContext.Shield {

		private final TaskImpl<?> task;

		private final Thread owner = Thread.currentThread();

		private boolean closed;

		Shield(TaskImpl<?> task) {
			this.task = task;
		}

		@Override
		public void close() {
			if (Thread.currentThread() != this.owner) {
				throw new IllegalStateException("a GroupContext.Shield must be closed on the thread that opened it: opened on "
						+ this.owner + " for " + this.task + ", closed on " + Thread.currentThread());
			}
			if (!this.closed) {
				this.closed = true;
				this.task.exitShield();
			}
		}

	}

	/** Links this unpublished task to {@code older}; a plain write, the push's compare-and-set publishes it. */
	void linkNext(TaskImpl<?> older) {
		NEXT.set(this, older);
	}

	/** Whether no thread has claimed it yet and it is still pending: a waiter may take it. */
	boolean isClaimable() {
		return this.runner == null && this.state == PENDING;
	}

	/**
	 * Makes a task that was never published cancelled from birth (spawned on a cancelled or sealed
	 * group, or refused by the blocking guard): a plain write, no other thread has seen it.
	 */
	void cancelAtSpawn() {
		this.state = CANCELLED;
		stamp(FINISHED_AT);
	}

	private void stamp(int which) {
		long[] n = this.nanos;
		if (n != null) {
			n[which] = System.nanoTime();
		}
	}

	private long nanos(int which) {
		long[] n = this.nanos;
		return (n != null) ? n[which] : 0L;
	}

	boolean isFinal() {
		return this.state >= SUCCESS;
	}

	@Override
	public State state() {
		switch (this.state) {
			case PENDING:
				return State.PENDING;
			case SUCCESS:
				return State.SUCCESS;
			case FAILED:
				return State.FAILED;
			case CANCELLED:
				return State.CANCELLED;
			default:
				return State.RUNNING;
		}
	}

	@Override
	public T resultNow() {
		switch (state()) {
			case SUCCESS:
				return this.result;
			case FAILED:
				throw new IllegalStateException("Task " + this.index + " of group '" + this.group.name()
						+ "' failed, it has no result", this.exception);
			case CANCELLED:
				throw new IllegalStateException(
						"Task " + this.index + " of group '" + this.group.name() + "' was cancelled, it has no result");
			default:
				throw new IllegalStateException("Task " + this.index + " of group '" + this.group.name()
						+ "' has not finished: call await() before resultNow()");
		}
	}

	@Override
	public Throwable exceptionNow() {
		if (state() == State.FAILED) {
			return this.exception;
		}
		throw new IllegalStateException("Task " + this.index + " of group '" + this.group.name()
				+ "' did not fail, it is " + state());
	}

	@Override
	public GroupInfo group() {
		return this.group;
	}

	@Override
	public int index() {
		return this.index;
	}

	@Override
	public Optional<String> name() {
		return Optional.ofNullable(this.name);
	}

	/**
	 * How messages name the task: {@code task 'pricing' (#2)}, or {@code task #2} when unnamed. Built
	 * with a plain {@code StringBuilder}: this runs while the group seals, and a string concatenation's
	 * first use bootstraps {@code StringConcatFactory}, which RacesModelCheckTest's model checker
	 * reported as a hang.
	 */
	String label() {
		StringBuilder label = new StringBuilder("task ");
		if (this.name != null) {
			label.append('\'').append(this.name).append("' (#").append(this.index).append(')');
		}
		else {
			label.append('#').append(this.index);
		}
		return label.toString();
	}

	@Override
	public Optional<Throwable> exception() {
		return isFinal() ? Optional.ofNullable(this.exception) : Optional.empty();
	}

	@Override
	public long spawnedNanos() {
		return nanos(SPAWNED);
	}

	@Override
	public long startedNanos() {
		return nanos(STARTED);
	}

	@Override
	public long finishedNanos() {
		return isFinal() ? nanos(FINISHED_AT) : 0L;
	}

	@Override
	public boolean ranByWaiter() {
		return this.ranByWaiter;
	}

	@Override
	public String toString() {
		return "Task[" + this.group.name() + "#" + this.index + ((this.name != null) ? " '" + this.name + "'" : "") + ", "
				+ state() + "]";
	}

}
