package io.github.errgroup;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The engine behind {@link ErrGroup}: the bookkeeping of one group's tasks.
 *
 * <h2>Three state machines, one mechanism each</h2>
 * <ul>
 * <li>Each task's fate: {@link TaskImpl}'s compare-and-set state.</li>
 * <li>The group's cancellation: {@link CancelContext}'s compare-and-set cause. Whatever cancels
 * (a failing task, {@code cancel}, the deadline timer, the parent, an interrupted waiter, {@code close},
 * the factory) goes through it, so the first one decides the cause and the side effects run once.</li>
 * <li>The group's life and accounting, guarded by {@code lock}:
 * <pre>
 *   OPEN --(outstanding == 0, cancellation side effects done; by await/awaitAsync)--&gt; AWAITED
 *   OPEN --(same, by close without await; cancels first)-----------------------------&gt; CLOSED
 *   AWAITED | CLOSED --(finishing: timer stopped, S5 cancel, listeners told)---------&gt; finished
 * </pre>
 * {@code outstanding} counts tasks spawned and not yet accounted as ended; it is also what a limit
 * bounds (Go's semaphore holds a slot from {@code Go} until the function returns). Sealing requires
 * {@code outstanding == 0} under the lock, so no task can be added to a sealed group, and a
 * {@code go} from a running task (S11) always lands before the seal.</li>
 * </ul>
 *
 * <h2>Lists</h2>
 * Spawned tasks wait in the intrusive FIFO {@code pending} list until someone claims them: an executor
 * thread, or a thread that waits for this group (the waiter in {@code await}, or a {@code go} held by
 * the limit), which takes the head instead of idling (S15). A task the executor rejected simply stays
 * there. Claimed tasks move to the {@code running} list, which is what a canceller interrupts; a
 * canceller drops what is still pending.
 *
 * <h2>Why the waiter checks "side effects done"</h2>
 * A canceller on another thread may still be running {@code onCancel} callbacks when the last task
 * ends; S5 promises they have run when {@code await()} returns, so sealing waits for it.
 */
final class Group implements ErrGroup, GroupInfo {

	static final System.Logger LOG = System.getLogger("io.github.errgroup");

	private static final byte IN_NONE = 0;

	private static final byte IN_PENDING = 1;

	private static final byte IN_RUNNING = 2;

	private static final int OPEN = 0;

	private static final int AWAITED = 1;

	private static final int CLOSED = 2;

	private final ErrGroupFactory factory;

	private final long id;

	private final String name;

	final Ctx context;

	private final CancelContext parent;

	private final int limit;

	private final Instant openedAt;

	private final long openedNanos;

	final Listeners listeners;

	private final AtomicInteger nextIndex = new AtomicInteger();

	private final ReentrantLock lock = new ReentrantLock();

	private final Condition changed = this.lock.newCondition();

	private volatile long cancelledNanos;

	private GroupContext.Registration parentRegistration;

	private final Duration timeout;

	private volatile Future<?> deadlineTimer;

	// Guarded by lock.
	private volatile int phase = OPEN;

	private volatile boolean finished;

	private boolean cancelDone;

	private volatile boolean closeCalled;

	private int outstanding;

	private int running;

	private int succeeded;

	private int failed;

	private int cancelled;

	private int waiters;

	private TaskImpl<?> pendingHead;

	private TaskImpl<?> pendingTail;

	private TaskImpl<?> runningHead;

	private final List<Throwable> suppressed = new ArrayList<>(0);

	private ErrGroupException failure;

	private List<CompletableFuture<Void>> asyncWaiters;

	Group(ErrGroupFactory factory, long id, String name, int limit, Duration timeout, CancelContext parent) {
		this.factory = factory;
		this.id = id;
		this.name = name;
		this.limit = limit;
		this.parent = parent;
		this.listeners = factory.listeners();
		this.openedNanos = System.nanoTime();
		this.openedAt = Instant.now();
		Instant own = (timeout != null) ? plusSaturated(this.openedAt, timeout) : null;
		Instant inherited = (parent != null) ? parent.deadlineOrNull() : null;
		boolean ownIsEarlier = own != null && (inherited == null || own.isBefore(inherited));
		this.context = new Ctx(name, ownIsEarlier ? own : inherited);
		this.timeout = ownIsEarlier ? timeout : null;
	}

	/** Called once by the factory after registering the group, so that listeners see it open first. */
	void opened() {
		this.listeners.groupOpened(this);
		if (this.parent != null) {
			// S14: the parent's cancellation reaches the child with the parent's cause; runs at once
			// if the parent is already cancelled.
			CancelContext p = this.parent;
			this.parentRegistration = p.onCancel(() -> this.context.cancel(p.cause()));
		}
		Duration own = this.timeout;
		if (own != null) {
			// S13; a parent's earlier deadline needs no timer here: its cancellation reaches us (S14).
			this.deadlineTimer = Deadlines.schedule(() -> this.context
				.cancel(new TimeoutException("group '" + this.name + "' timed out after " + own)), saturatedNanos(own));
		}
	}

	// ---- go / tryGo

	@Override
	public <T> Task<T> go(Callable<T> task) {
		Objects.requireNonNull(task, "task must not be null");
		return spawn(task, TaskImpl.KIND_CALLABLE, true);
	}

	@Override
	public <T> Task<T> go(GroupTask<T> task) {
		Objects.requireNonNull(task, "task must not be null");
		return spawn(task, TaskImpl.KIND_GROUP_TASK, true);
	}

	@Override
	public Task<Void> go(VoidTask task) {
		Objects.requireNonNull(task, "task must not be null");
		return spawn(task, TaskImpl.KIND_VOID_TASK, true);
	}

	@Override
	public <T> Optional<Task<T>> tryGo(Callable<T> task) {
		Objects.requireNonNull(task, "task must not be null");
		return Optional.ofNullable(spawn(task, TaskImpl.KIND_CALLABLE, false));
	}

	@Override
	public <T> Optional<Task<T>> tryGo(GroupTask<T> task) {
		Objects.requireNonNull(task, "task must not be null");
		return Optional.ofNullable(spawn(task, TaskImpl.KIND_GROUP_TASK, false));
	}

	@Override
	public Optional<Task<Void>> tryGo(VoidTask task) {
		Objects.requireNonNull(task, "task must not be null");
		return Optional.ofNullable(spawn(task, TaskImpl.KIND_VOID_TASK, false));
	}

	/**
	 * Spawns a task. With {@code block}, waits (helping) for a limit slot; without, returns
	 * {@code null} when none is free. On a cancelled group, returns a task born CANCELLED.
	 */
	private <T> TaskImpl<T> spawn(Object body, byte kind, boolean block) {
		ensureUsable();
		boolean reserved = false;
		if (!block && this.limit > 0) {
			this.lock.lock();
			try {
				ensureUsable();
				if (!this.context.isCancelled()) {
					if (this.outstanding >= this.limit) {
						return null; // S12: tryGo never blocks
					}
					this.outstanding++; // hold the slot while the task is built
					reserved = true;
				}
			}
			finally {
				this.lock.unlock();
			}
		}
		TaskImpl<T> task = new TaskImpl<>(this, this.nextIndex.getAndIncrement(), body, kind);
		try {
			task.decorated = this.factory.decorate(task); // S16: on the submitting thread
		}
		catch (RuntimeException | Error ex) {
			if (reserved) {
				release();
			}
			throw ex;
		}
		this.listeners.taskSpawned(task);
		boolean interrupted = false;
		boolean bornCancelled;
		IllegalStateException refused = null;
		RuntimeException guardRefused = null;
		this.lock.lock();
		try {
			if (!reserved) {
				if (this.phase != OPEN) {
					refused = refusal(); // lost a race with the seal (only a non-task thread can)
				}
				else {
					boolean guarded = false;
					while (!this.context.isCancelled() && this.limit > 0 && this.outstanding >= this.limit) {
						if (!guarded) {
							guarded = true;
							try {
								this.factory.beforeBlocking(); // about to block for a slot
							}
							catch (RuntimeException ex) {
								guardRefused = ex;
								break;
							}
						}
						interrupted |= helpOrWait(); // S12: block for a slot, running pending tasks
					}
					if (this.phase != OPEN) {
						refused = refusal(); // the owner sealed while this (non-task) thread waited
					}
				}
			}
			bornCancelled = refused != null || guardRefused != null || this.context.isCancelled();
			if (bornCancelled) {
				if (reserved) {
					this.outstanding--;
				}
				task.cancelAtSpawn(); // S4
				if (refused == null) {
					this.cancelled++;
				}
			}
			else {
				if (!reserved) {
					this.outstanding++;
				}
				linkPending(task);
				if (this.waiters > 0) {
					this.changed.signalAll(); // a waiter may take it
				}
			}
		}
		finally {
			this.lock.unlock();
		}
		if (interrupted) {
			Thread.currentThread().interrupt();
		}
		if (bornCancelled) {
			this.listeners.taskFinished(task);
			if (reserved) {
				afterOutstandingChanged();
			}
			if (refused != null) {
				throw refused;
			}
			if (guardRefused != null) {
				throw guardRefused;
			}
			return task;
		}
		submit(task);
		return task;
	}

	private void release() {
		this.lock.lock();
		try {
			this.outstanding--;
		}
		finally {
			this.lock.unlock();
		}
		afterOutstandingChanged();
	}

	private void submit(TaskImpl<?> task) {
		try {
			this.factory.executor().execute(task);
		}
		catch (RuntimeException ex) {
			// S15: a rejected task is not lost. It stays pending for a thread waiting on this group;
			// with only asynchronous waiters, it runs here, as CallerRunsPolicy would.
			boolean runHere;
			this.lock.lock();
			try {
				task.rejected = true;
				runHere = this.waiters == 0 && this.asyncWaiters != null;
			}
			finally {
				this.lock.unlock();
			}
			LOG.log(System.Logger.Level.DEBUG, () -> "Executor rejected " + task + "; it will run on a waiting thread", ex);
			if (runHere) {
				task.runBy(false);
			}
		}
	}

	private void ensureUsable() {
		if (this.phase != OPEN) {
			throw refusal();
		}
	}

	private IllegalStateException refusal() {
		if (this.phase == CLOSED || this.closeCalled) {
			return new IllegalStateException("group '" + this.name
					+ "' is closed: a group is used once; open a new group for more tasks");
		}
		return new IllegalStateException("group '" + this.name
				+ "' was already awaited: a group is used once; open a new group for more tasks");
	}

	// ---- running tasks (called by TaskImpl)

	void taskStarting(TaskImpl<?> task) {
		this.lock.lock();
		try {
			if (task.list == IN_PENDING) {
				unlink(task);
			}
			linkRunning(task);
			this.running++;
		}
		finally {
			this.lock.unlock();
		}
	}

	void taskFailed(TaskImpl<?> task, Throwable ex) {
		if (!this.context.cancel(ex)) {
			this.lock.lock();
			try {
				if (ex != this.context.cause()) {
					this.suppressed.add(ex); // S2: a later real failure
				}
			}
			finally {
				this.lock.unlock();
			}
		}
	}

	void taskEnded(TaskImpl<?> task) {
		boolean sealed;
		this.lock.lock();
		try {
			if (task.list == IN_RUNNING) {
				unlink(task);
			}
			this.running--;
			this.outstanding--;
			count(task);
			if (this.waiters > 0 && (this.outstanding == 0 || this.limit > 0)) {
				this.changed.signalAll(); // the awaiter waits for zero; a go() held by the limit for a slot
			}
			sealed = this.asyncWaiters != null && trySeal(AWAITED);
		}
		finally {
			this.lock.unlock();
		}
		if (sealed) {
			finishSeal();
		}
	}

	private void count(TaskImpl<?> task) {
		switch (task.state()) {
			case SUCCESS:
				this.succeeded++;
				break;
			case FAILED:
				this.failed++;
				break;
			default:
				this.cancelled++;
		}
	}

	/** With an asynchronous waiter, whoever makes the group ready seals it (no thread waits to). */
	private void afterOutstandingChanged() {
		boolean sealed;
		this.lock.lock();
		try {
			sealed = this.asyncWaiters != null && trySeal(AWAITED);
		}
		finally {
			this.lock.unlock();
		}
		if (sealed) {
			finishSeal();
		}
	}

	// ---- waiting

	@Override
	public void await() {
		if (CancelContext.currentOrNull() == this.context) {
			throw new IllegalStateException("await() called from a task of group '" + this.name
					+ "' would wait for itself; the group's owner awaits it");
		}
		if (!this.finished) {
			this.factory.beforeBlocking(); // may refuse, e.g. on a non-blocking thread
		}
		boolean interrupted = Thread.interrupted();
		if (interrupted) {
			interruptedWhileWaiting();
		}
		this.lock.lock();
		try {
			while (!this.finished) {
				if (trySeal(AWAITED)) {
					this.lock.unlock();
					try {
						finishSeal();
					}
					finally {
						this.lock.lock();
					}
				}
				else {
					interrupted |= helpOrWait();
				}
			}
		}
		finally {
			this.lock.unlock();
		}
		if (interrupted) {
			Thread.currentThread().interrupt(); // S8
		}
		ErrGroupException outcome = this.failure;
		if (outcome != null) {
			throw copy(outcome);
		}
	}

	/**
	 * Runs the head of the pending list, or waits for a change. Called with the lock held; returns
	 * with it held. Returns whether this thread was interrupted from outside (S8), which cancels the
	 * group.
	 */
	private boolean helpOrWait() {
		// The newest pending task: executor threads take from the other end (FIFO), so the waiter
		// and the pool rarely reach for the same task.
		TaskImpl<?> next = (this.phase == OPEN) ? this.pendingTail : null;
		if (next != null) {
			unlink(next);
			this.lock.unlock();
			try {
				next.runBy(true);
				if (Thread.interrupted()) { // not ours: TaskImpl clears the interrupts it caused
					interruptedWhileWaiting();
					return true;
				}
				return next.consumedWaiterInterrupt; // the task already cancelled the group for us

			}
			finally {
				this.lock.lock();
			}
		}
		this.waiters++;
		try {
			this.changed.await();
			return false;
		}
		catch (InterruptedException ex) {
			this.lock.unlock();
			try {
				interruptedWhileWaiting();
			}
			finally {
				this.lock.lock();
			}
			return true;
		}
		finally {
			this.waiters--;
		}
	}

	/** A task run by the waiter ended on an interrupt meant for the waiter (S8). */
	void waiterInterrupted(Throwable consumedBy) {
		InterruptedException cause = new InterruptedException(
				"the thread waiting for group '" + this.name + "' was interrupted while it ran one of its tasks");
		cause.initCause(consumedBy);
		this.context.cancel(cause);
	}

	private void interruptedWhileWaiting() {
		this.context.cancel(new InterruptedException(
				"the thread waiting for group '" + this.name + "' was interrupted"));
	}

	@Override
	public CompletableFuture<Void> awaitAsync() {
		CompletableFuture<Void> future = new CompletableFuture<>();
		boolean sealed;
		boolean done;
		List<TaskImpl<?>> rejected = new ArrayList<>(0);
		this.lock.lock();
		try {
			done = this.finished;
			if (!done) {
				if (this.asyncWaiters == null) {
					this.asyncWaiters = new ArrayList<>(1);
				}
				this.asyncWaiters.add(future);
				for (TaskImpl<?> t = this.pendingHead; t != null; t = t.next) {
					if (t.rejected) {
						rejected.add(t);
					}
				}
			}
			sealed = !done && trySeal(AWAITED);
		}
		finally {
			this.lock.unlock();
		}
		if (done) {
			complete(future);
		}
		else if (sealed) {
			finishSeal();
		}
		else {
			for (TaskImpl<?> t : rejected) {
				t.runBy(false); // no waiting thread will come to run them
			}
		}
		return future;
	}

	private void complete(CompletableFuture<Void> future) {
		ErrGroupException outcome = this.failure;
		if (outcome == null) {
			future.complete(null);
		}
		else {
			future.completeExceptionally(copy(outcome));
		}
	}

	/**
	 * Seals the group if every task has ended and the cancellation side effects have run. Called
	 * with the lock held; the caller then calls {@link #finishSeal()} without it.
	 */
	private boolean trySeal(int finalPhase) {
		if (this.phase != OPEN || this.outstanding != 0 || (this.context.isCancelled() && !this.cancelDone)) {
			return false;
		}
		this.phase = finalPhase;
		Throwable cause = this.context.cause();
		if (cause != null) {
			this.failure = new ErrGroupException(this.name, cause, this.suppressed);
		}
		return true;
	}

	/** Runs once, by the thread that sealed, without the lock. */
	private void finishSeal() {
		Future<?> timer = this.deadlineTimer;
		if (timer != null) {
			timer.cancel(false);
		}
		// S5: Go's rule; runs the onCancel callbacks now if nothing cancelled the group before. If a
		// cancel won the cause after trySeal (a parent, a deadline, cancel() racing the seal), its
		// thread may still be running the callbacks: wait for them, await() must not return before.
		if (!this.context.cancel(new Finished(this.name))) {
			this.lock.lock();
			try {
				while (!this.cancelDone) {
					this.changed.awaitUninterruptibly();
				}
			}
			finally {
				this.lock.unlock();
			}
		}
		if (this.parentRegistration != null) {
			this.parentRegistration.close();
		}
		this.factory.unregister(this);
		ErrGroupException outcome = this.failure;
		if (this.phase == CLOSED && outcome != null && !(outcome.getCause() instanceof CancellationException
				&& outcome.getSuppressed().length == 0)) {
			LOG.log(System.Logger.Level.WARNING, "group '" + this.name
					+ "' was closed without await(); its failure would otherwise be lost", outcome);
		}
		this.listeners.groupClosed(this);
		List<CompletableFuture<Void>> futures;
		this.lock.lock();
		try {
			this.finished = true;
			futures = this.asyncWaiters;
			this.changed.signalAll();
		}
		finally {
			this.lock.unlock();
		}
		if (futures != null) {
			for (CompletableFuture<Void> future : futures) {
				complete(future);
			}
		}
	}

	private ErrGroupException copy(ErrGroupException outcome) {
		// A fresh exception per call, so that its stack trace shows this call; same cause, same suppressed.
		return new ErrGroupException(this.name, outcome.getCause(), List.of(outcome.getSuppressed()));
	}

	// ---- cancelling and closing

	@Override
	public void cancel() {
		this.context.cancel(new CancellationException("group '" + this.name + "' was cancelled by cancel()"));
	}

	@Override
	public void cancel(Throwable cause) {
		Objects.requireNonNull(cause, "cause must not be null; use cancel() for a plain cancellation");
		this.context.cancel(cause);
	}

	@Override
	public void close() {
		boolean open;
		this.lock.lock();
		try {
			this.closeCalled = true;
			if (this.asyncWaiters != null) {
				return; // awaitAsync() handed the outcome to its futures: they own the group now
			}
			open = this.phase == OPEN;
		}
		finally {
			this.lock.unlock();
		}
		if (open) {
			// S10: cancel, then wait for every task; nothing outlives the block.
			this.context.cancel(new CancellationException(
					"group '" + this.name + "' was closed before await(): its tasks were cancelled"));
		}
		this.lock.lock();
		try {
			while (!this.finished) {
				if (trySeal(CLOSED)) {
					this.lock.unlock();
					try {
						finishSeal();
					}
					finally {
						this.lock.lock();
					}
				}
				else {
					this.waiters++;
					try {
						this.changed.awaitUninterruptibly(); // keeps the interrupt for the caller
					}
					finally {
						this.waiters--;
					}
				}
			}
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * The S5 cause of a group that finished without being cancelled. Every group makes one, and a
	 * stack trace would say nothing but "finishSeal", so it has none.
	 */
	static final class Finished extends CancellationException {

		private static final long serialVersionUID = 1L;

		Finished(String name) {
			super("group '" + name + "' has finished");
		}

		@Override
		public synchronized Throwable fillInStackTrace() {
			return this;
		}

	}

	/** The group's context: cancellation reaches the tasks from here, whoever cancels. */
	final class Ctx extends CancelContext {

		Ctx(String name, Instant deadline) {
			super(name, deadline);
		}

		Group group() {
			return Group.this;
		}

		@Override
		void cancelled(Throwable cause) {
			Group.this.cancelledNanos = System.nanoTime();
			Group.this.listeners.groupCancelled(Group.this);
			List<TaskImpl<?>> dropped = new ArrayList<>();
			List<TaskImpl<?>> toInterrupt = new ArrayList<>();
			Group.this.lock.lock();
			try {
				for (TaskImpl<?> t = Group.this.pendingHead; t != null;) {
					TaskImpl<?> next = t.next;
					if (t.cancelIfPending()) { // S4: pending tasks never start
						unlink(t);
						Group.this.outstanding--;
						Group.this.cancelled++;
						dropped.add(t);
					}
					t = next;
				}
				for (TaskImpl<?> t = Group.this.runningHead; t != null; t = t.next) {
					toInterrupt.add(t);
				}
				Group.this.changed.signalAll(); // a go() held by the limit gives up
			}
			finally {
				Group.this.lock.unlock();
			}
			for (TaskImpl<?> t : toInterrupt) {
				t.interruptIfRunning(); // S3
			}
			for (TaskImpl<?> t : dropped) {
				Group.this.listeners.taskFinished(t);
			}
			super.cancelled(cause); // onCancel callbacks, children included
			Group.this.lock.lock();
			try {
				Group.this.cancelDone = true;
				Group.this.changed.signalAll();
			}
			finally {
				Group.this.lock.unlock();
			}
			afterOutstandingChanged();
		}

	}

	// ---- intrusive lists, under lock

	private void linkPending(TaskImpl<?> task) {
		task.list = IN_PENDING;
		task.next = null;
		task.prev = this.pendingTail;
		if (this.pendingTail == null) {
			this.pendingHead = task;
		}
		else {
			this.pendingTail.next = task;
		}
		this.pendingTail = task;
	}

	private void linkRunning(TaskImpl<?> task) {
		task.list = IN_RUNNING;
		task.prev = null;
		task.next = this.runningHead;
		if (this.runningHead != null) {
			this.runningHead.prev = task;
		}
		this.runningHead = task;
	}

	private void unlink(TaskImpl<?> task) {
		TaskImpl<?> prev = task.prev;
		TaskImpl<?> next = task.next;
		if (prev != null) {
			prev.next = next;
		}
		else if (task.list == IN_PENDING) {
			this.pendingHead = next;
		}
		else {
			this.runningHead = next;
		}
		if (next != null) {
			next.prev = prev;
		}
		else if (task.list == IN_PENDING) {
			this.pendingTail = prev;
		}
		task.prev = null;
		task.next = null;
		task.list = IN_NONE;
	}

	// ---- GroupInfo

	@Override
	public long id() {
		return this.id;
	}

	@Override
	public String name() {
		return this.name;
	}

	@Override
	public GroupContext context() {
		return this.context;
	}

	@Override
	public Optional<GroupContext> parent() {
		return Optional.ofNullable(this.parent);
	}

	@Override
	public Optional<GroupInfo> parentGroup() {
		return (this.parent instanceof Ctx) ? Optional.of(((Ctx) this.parent).group()) : Optional.empty();
	}

	@Override
	public Instant openedAt() {
		return this.openedAt;
	}

	@Override
	public long openedNanos() {
		return this.openedNanos;
	}

	@Override
	public long cancelledNanos() {
		return this.cancelledNanos;
	}

	@Override
	public OptionalInt limit() {
		return (this.limit > 0) ? OptionalInt.of(this.limit) : OptionalInt.empty();
	}

	@Override
	public GroupInfo.State state() {
		int p = this.phase;
		if (p == AWAITED) {
			return GroupInfo.State.AWAITED;
		}
		if (p == CLOSED) {
			return GroupInfo.State.CLOSED;
		}
		return this.context.isCancelled() ? GroupInfo.State.CANCELLED : GroupInfo.State.OPEN;
	}

	@Override
	public int taskCount(Task.State state) {
		Objects.requireNonNull(state, "state");
		this.lock.lock();
		try {
			switch (state) {
				case PENDING:
					return this.outstanding - this.running;
				case RUNNING:
					return this.running;
				case SUCCESS:
					return this.succeeded;
				case FAILED:
					return this.failed;
				default:
					return this.cancelled;
			}
		}
		finally {
			this.lock.unlock();
		}
	}

	@Override
	public Optional<ErrGroupException> failure() {
		return Optional.ofNullable(this.failure);
	}

	@Override
	public String toString() {
		return "ErrGroup[" + this.name + ", " + state() + "]";
	}

	static Instant plusSaturated(Instant instant, Duration duration) {
		try {
			return instant.plus(duration);
		}
		catch (ArithmeticException | java.time.DateTimeException ex) {
			return Instant.MAX;
		}
	}

	static long saturatedNanos(Duration duration) {
		try {
			return duration.toNanos();
		}
		catch (ArithmeticException ex) {
			return Long.MAX_VALUE;
		}
	}

}
