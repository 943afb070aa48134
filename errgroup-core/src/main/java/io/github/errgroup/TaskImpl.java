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
 * The executor, the waiting thread and, in a batched group, another of the group's runnables
 * ({@link Group#runAsRunner}) may all hold this task; the first to set {@code runner}
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
final class TaskImpl<T> extends LinkedStack.Node implements Task<T>, TaskInfo, Runnable {

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


	static {
		try {
			MethodHandles.Lookup lookup = MethodHandles.lookup();
			STATE = lookup.findVarHandle(TaskImpl.class, "state", int.class);
			RUNNER = lookup.findVarHandle(TaskImpl.class, "runner", Thread.class);
		}
		catch (ReflectiveOperationException ex) {
			throw new ExceptionInInitializerError(ex);
		}
	}

	/*
	 * The fields are few on purpose: a task of an unnamed fan-out without listeners is 56 bytes (with
	 * compressed references), which is most of what a fan-out allocates per task (issue 15's bytes
	 * per task). What only some tasks need lives in Extras; the runner's bits share one int.
	 */

	final Group group;

	final int index;

	static final byte KIND_CALLABLE = 0;

	static final byte KIND_GROUP_TASK = 1;

	static final byte KIND_VOID_TASK = 2;

	/** A {@link java.util.concurrent.Callable}, a {@link GroupTask} or a {@link VoidTask}, as the kind in {@code flags} says. */
	private final Object body;

	private volatile int state;

	private volatile Thread runner;

	/**
	 * What actually runs: {@link #runBody()} wrapped by the factory's task decorator in {@code go};
	 * {@code null} without a decorator.
	 */
	Runnable decorated;

	/**
	 * What the task ended with, written by the runner before the final state publishes it: the value
	 * when SUCCESS, the exception when FAILED, the exception it ended on (or {@code null}) when
	 * CANCELLED.
	 */
	private Object outcome;

	/** The name and the times, for the tasks that have either; {@code null} for the others. */
	private final Extras extras;

	/** {@code flags}: the body's kind (KIND_*), set once before the task is published. */
	private static final int KIND_MASK = 0b11;

	/** {@code flags}: the group's waiter ran the task ({@link TaskInfo#ranByWaiter()}). */
	private static final int RAN_BY_WAITER = 1 << 2;

	/**
	 * {@code flags}: this task, run by the waiter, ended on an interrupt while its group was live: the
	 * interrupt may have been meant for the waiter (S8), which then sets its flag again.
	 */
	private static final int CONSUMED_WAITER_INTERRUPT = 1 << 3;

	/**
	 * {@code flags}, from this bit up: how many {@link GroupContext.Shield}s of this task are open. The
	 * state says SHIELDED or INTERRUPT_OWED while it is above zero.
	 */
	private static final int SHIELDS_SHIFT = 4;

	/**
	 * The kind, and the runner's bits above: written by the constructor before the task is published,
	 * then only by the runner (so no update is lost); read by the runner, and by others only once the
	 * task has ended, or as a snapshot ({@link #ranByWaiter()}).
	 */
	private int flags;

	/**
	 * The task this thread was running when it started this one: the task awaiting a group of its own
	 * whose task it runs meanwhile (S15), or {@code null}. A region of this task is one of that task
	 * too, so that the enclosing task's cancellation does not interrupt it. Written and read by the
	 * runner only.
	 */
	private TaskImpl<?> enclosing;

	TaskImpl(Group group, int index, String name, Object body, byte kind) {
		this.group = group;
		this.flags = kind;
		this.index = index;
		this.body = body;
		boolean timed = !group.listeners.isEmpty();
		this.extras = (name != null || timed) ? new Extras(name, timed ? System.nanoTime() : 0L) : null;
	}

	/**
	 * The name given to {@code go} (S38), and when the task was spawned, started and finished
	 * ({@link System#nanoTime()} readings, for {@link TaskInfo}, which only listeners see). Without
	 * listeners the times stay 0 and the clock is not read (a {@code Task} handle is a
	 * {@code TaskInfo} only by a cast, and then reads 0); without a name and listeners there is no
	 * {@code Extras}. The times are written by whoever makes the transition, before the state
	 * publishes it.
	 */
	private static final class Extras {

		final String name;

		long spawned;

		long started;

		long finished;

		Extras(String name, long spawned) {
			this.name = name;
			this.spawned = spawned;
		}

	}

	/** Whether the group has listeners, the only ones to read the times. */
	private boolean timed() {
		return this.extras != null && !this.group.listeners.isEmpty();
	}

	boolean consumedWaiterInterrupt() {
		return (this.flags & CONSUMED_WAITER_INTERRUPT) != 0;
	}

	private int shields() {
		return this.flags >>> SHIELDS_SHIFT;
	}

	private void shields(int n) {
		this.flags = (this.flags & ((1 << SHIELDS_SHIFT) - 1)) | (n << SHIELDS_SHIFT);
	}

	/**
	 * The executor's entry point: runs this task, or, in a batched group, this task and the group's
	 * other unclaimed ones ({@link Group#runAsRunner}).
	 */
	@Override
	public void run() {
		if (this.group.runnerCap != ErrGroupFactory.UNBATCHED) {
			this.group.runAsRunner(this);
		}
		else {
			runBy(false);
		}
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
		if (waiter) {
			this.flags |= RAN_BY_WAITER;
		}
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
			if (timed()) {
				this.extras.started = System.nanoTime();
			}
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
		switch (this.flags & KIND_MASK) {
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
			if ((this.flags & RAN_BY_WAITER) != 0) {
				this.flags |= CONSUMED_WAITER_INTERRUPT;
			}
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
	private void finish(int finalState, Object value, Throwable ex) {
		if (this.state >= SUCCESS) {
			return; // a decorator ran the body twice: the first end stands (only the runner ends a running task)
		}
		this.outcome = (finalState == SUCCESS) ? value : ex;
		stampFinished();
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
				if (shields() > 0) {
					if (this.enclosing != null) {
						this.enclosing.exitShield();
					}
					shields(0);
				}
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
			stampFinished();
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
		int open = shields();
		if (open > 0) {
			shields(open + 1);
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
		shields(1);
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
		int open = shields();
		if (open == 0) {
			return; // ended: finish let go of the regions
		}
		shields(open - 1);
		if (open > 1) {
			return; // a nested region
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
		stampFinished();
	}

	private void stampFinished() {
		if (timed()) {
			this.extras.finished = System.nanoTime();
		}
	}

	boolean isFinal() {
		return this.state >= SUCCESS;
	}

	@Override
	boolean isEnded() {
		return isFinal(); // the task list unlinks final tasks
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
				@SuppressWarnings("unchecked")
				T value = (T) this.outcome;
				return value;
			case FAILED:
				throw new IllegalStateException("Task " + this.index + " of group '" + this.group.name()
						+ "' failed, it has no result", (Throwable) this.outcome);
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
			return (Throwable) this.outcome;
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
		return Optional.ofNullable(nameOrNull());
	}

	private String nameOrNull() {
		Extras e = this.extras;
		return (e != null) ? e.name : null;
	}

	/**
	 * How messages name the task: {@code task 'pricing' (#2)}, or {@code task #2} when unnamed. Built
	 * with a plain {@code StringBuilder}: this runs while the group seals, and a string concatenation's
	 * first use bootstraps {@code StringConcatFactory}, which RacesModelCheckTest's model checker
	 * reported as a hang.
	 */
	String label() {
		StringBuilder label = new StringBuilder("task ");
		String name = nameOrNull();
		if (name != null) {
			label.append('\'').append(name).append("' (#").append(this.index).append(')');
		}
		else {
			label.append('#').append(this.index);
		}
		return label.toString();
	}

	@Override
	public Optional<Throwable> exception() {
		int s = this.state;
		return (s > SUCCESS) ? Optional.ofNullable((Throwable) this.outcome) : Optional.empty();
	}

	@Override
	public long spawnedNanos() {
		Extras e = this.extras;
		return (e != null) ? e.spawned : 0L;
	}

	@Override
	public long startedNanos() {
		Extras e = this.extras;
		return (e != null) ? e.started : 0L;
	}

	@Override
	public long finishedNanos() {
		Extras e = this.extras;
		return (e != null && isFinal()) ? e.finished : 0L;
	}

	@Override
	public boolean ranByWaiter() {
		return (this.flags & RAN_BY_WAITER) != 0;
	}

	@Override
	public String toString() {
		String name = nameOrNull();
		return "Task[" + this.group.name() + "#" + this.index + ((name != null) ? " '" + name + "'" : "") + ", "
				+ state() + "]";
	}

}
