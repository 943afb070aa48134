package io.github.errgroup;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
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
 * <li>The group's life and accounting: the compare-and-set word {@code ctl}, which holds the number of
 * outstanding tasks (spawned and not yet accounted as ended) and the seal bits:
 * <pre>
 *   OPEN(n) --(go: n -&gt; n+1, only while OPEN and, with a limit, n &lt; limit)--------------&gt; OPEN(n+1)
 *   OPEN(n) --(a task ends, or a canceller drops a pending one)------------------------&gt; OPEN(n-1)
 *   OPEN(0) --(await/awaitAsync, cancellation side effects done)-----------------------&gt; AWAITED
 *   OPEN(0) --(close without await; cancels first; same condition)---------------------&gt; CLOSED
 *   AWAITED | CLOSED --(finishing, by the sealer: timer stopped, S5 cancel, listeners)-&gt; finished
 * </pre>
 * The count is also what a limit bounds (Go's semaphore holds a slot from {@code Go} until the function
 * returns). Sealing is a compare-and-set from exactly {@code OPEN(0)}, so no task can be added to a
 * sealed group, and a {@code go} from a running task (S11), which holds a count itself, always lands
 * before the seal.</li>
 * </ul>
 *
 * <h2>The task list</h2>
 * Spawned tasks are pushed on a lock-free stack ({@code head}, newest first, linked by
 * {@link TaskImpl#next}); nothing moves when a task starts or ends. A canceller walks it, dropping
 * pending tasks (S4) and interrupting running ones (S3); a spawner that pushed after a cancel began
 * sees the cause and drops its own task (the push and the cause are both volatile, so one of the two
 * sees the other). A thread that waits for this group (the waiter in {@code await}, or a {@code go} held
 * by the limit) claims unclaimed tasks from the newest end instead of idling (S15), while the executor
 * takes them oldest first; a task the executor rejected simply stays unclaimed. Ended tasks are
 * unlinked by one spawner at a time, amortised over spawns, so a long-lived group holds only about as
 * many tasks as are outstanding; unlinking leaves the unlinked task's own link intact, so a walker
 * standing on it still reaches every task behind it.
 *
 * <h2>Waiting and waking</h2>
 * The lock and its condition only serve sleeping and waking. A waiter increments {@code waiters},
 * then re-checks what it waits for, then sleeps, all under the lock; whoever changes that state (a task
 * ending, a spawn) changes it first and then reads {@code waiters}, and takes the lock to signal only
 * when someone waits. Both sides write one volatile and read the other, so no wake-up is lost, and
 * tasks that end while nobody waits never touch the lock.
 *
 * <h2>Why the waiter checks "side effects done"</h2>
 * A canceller on another thread may still be running {@code onCancel} callbacks when the last task
 * ends; S5 promises they have run when {@code await()} returns, so sealing waits for it.
 */
final class Group implements ErrGroup, GroupInfo {

	static final System.Logger LOG = System.getLogger("io.github.errgroup");

	private static final long AWAITED_BIT = 1L << 32;

	private static final long CLOSED_BIT = 1L << 33;

	private static final long SEALED_BITS = AWAITED_BIT | CLOSED_BIT;

	private static final int MIN_CLEAN_INTERVAL = 64;

	private static final VarHandle CTL;

	private static final VarHandle HEAD;

	private static final VarHandle SUCCEEDED;

	private static final VarHandle FAILED;

	private static final VarHandle CANCELLED;

	private static final VarHandle CLEANING;

	static {
		try {
			MethodHandles.Lookup lookup = MethodHandles.lookup();
			CTL = lookup.findVarHandle(Group.class, "ctl", long.class);
			HEAD = lookup.findVarHandle(Group.class, "head", TaskImpl.class);
			SUCCEEDED = lookup.findVarHandle(Group.class, "succeeded", int.class);
			FAILED = lookup.findVarHandle(Group.class, "failed", int.class);
			CANCELLED = lookup.findVarHandle(Group.class, "cancelled", int.class);
			CLEANING = lookup.findVarHandle(Group.class, "cleaning", boolean.class);
		}
		catch (ReflectiveOperationException ex) {
			throw new ExceptionInInitializerError(ex);
		}
	}

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

	/** Outstanding count (low 32 bits) and seal bits; see the class comment. */
	private volatile long ctl;

	/** The newest task of the list, see the class comment. */
	private volatile TaskImpl<?> head;

	private volatile int succeeded;

	private volatile int failed;

	private volatile int cancelled;

	/** Threads sleeping on {@code changed}; changed under the lock, read without it. */
	private volatile int waiters;

	private volatile boolean cleaning;

	/** Spawns since the list was last cleaned, and when to clean next: a heuristic, races are harmless. */
	private int spawnsSinceClean;

	private int cleanInterval = MIN_CLEAN_INTERVAL;

	/** Set once the cancellation's side effects have run; a waiter checks it after announcing itself. */
	private volatile boolean cancelDone;

	/** Set (under the lock) at the end of {@link #finishSeal()}. */
	private volatile boolean finished;

	private volatile boolean closeCalled;

	// Guarded by lock.
	private final List<Throwable> suppressed = new ArrayList<>(0);

	private volatile ErrGroupException failure;

	// Guarded by lock; volatile for the lock-free "is anyone waiting asynchronously" check.
	private volatile List<CompletableFuture<Void>> asyncWaiters;

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

	/** What {@link #reserve} found. */
	private static final int RESERVED = 0;

	private static final int CANCELLED_GROUP = 1;

	private static final int SEALED = 2;

	private static final int FULL = 3;

	/**
	 * Takes a count for a new task: {@code OPEN(n) -> OPEN(n+1)}. Returns RESERVED, or why not:
	 * the group is cancelled (the task is born cancelled, S4), sealed, or (only without {@code block})
	 * full. With {@code block}, a full group makes this thread wait for a slot, running the group's
	 * unclaimed tasks meanwhile (S12, S15).
	 */
	private int reserve(boolean block) {
		WaitCursor cursor = null;
		try {
			for (;;) {
				long c = this.ctl;
				if ((c & SEALED_BITS) != 0) {
					return SEALED;
				}
				if (this.context.isCancelled()) {
					// Read the seal again: S5's own cancel follows the seal, and a sealed group refuses.
					return ((this.ctl & SEALED_BITS) != 0) ? SEALED : CANCELLED_GROUP;
				}
				int n = (int) c;
				if (this.limit > 0 && n >= this.limit) {
					if (!block) {
						return FULL; // S12: tryGo never blocks
					}
					if (cursor == null) {
						this.factory.beforeBlocking(); // about to block for a slot; may refuse
						cursor = new WaitCursor();
					}
					this.lock.lock();
					try {
						cursor.interrupted |= helpOrWait(cursor, FOR_SLOT);
					}
					finally {
						this.lock.unlock();
					}
					continue;
				}
				if (n == Integer.MAX_VALUE) {
					throw new IllegalStateException("group '" + this.name + "' has " + n + " unfinished tasks");
				}
				if (CTL.compareAndSet(this, c, c + 1)) {
					return RESERVED;
				}
			}
		}
		finally {
			if (cursor != null && cursor.interrupted) {
				Thread.currentThread().interrupt(); // S8: the group is cancelled; the caller keeps its interrupt
			}
		}
	}

	/**
	 * Spawns a task. With {@code block}, waits (helping) for a limit slot; without, returns
	 * {@code null} when none is free. On a cancelled group, returns a task born CANCELLED.
	 */
	private <T> TaskImpl<T> spawn(Object body, byte kind, boolean block) {
		ensureUsable();
		int reservation = -1;
		if (!block) {
			reservation = reserve(false);
			if (reservation == FULL) {
				return null;
			}
			if (reservation == SEALED) {
				throw refusal();
			}
		}
		TaskImpl<T> task = new TaskImpl<>(this, this.nextIndex.getAndIncrement(), body, kind);
		try {
			task.decorated = this.factory.decorate(task); // S16: on the submitting thread
		}
		catch (RuntimeException | Error ex) {
			if (reservation == RESERVED) {
				countDown();
			}
			throw ex;
		}
		this.listeners.taskSpawned(task);
		RuntimeException guardRefused = null;
		if (block) {
			try {
				reservation = reserve(true);
			}
			catch (RuntimeException ex) { // the blocking guard refused: the task is born cancelled
				guardRefused = ex;
				reservation = CANCELLED_GROUP;
			}
		}
		if (reservation != RESERVED) {
			task.cancelAtSpawn(); // S4
			if (reservation == CANCELLED_GROUP) {
				CANCELLED.getAndAdd(this, 1);
			}
			this.listeners.taskFinished(task);
			if (guardRefused != null) {
				throw guardRefused;
			}
			if (reservation == SEALED) {
				throw refusal(); // the owner sealed while this (non-task) thread waited for a slot
			}
			return task;
		}
		push(task);
		if (this.waiters > 0) {
			signalWaiters(); // a waiter may take it
		}
		if (this.context.isCancelled()) {
			// A cancel that began before the push may not have seen this task: drop it here. If a
			// waiter claimed it first, the runner sees the cancellation before the body (S4).
			if (task.cancelIfPending()) {
				dropped();
				this.listeners.taskFinished(task);
			}
			return task;
		}
		if (++this.spawnsSinceClean >= this.cleanInterval) {
			clean();
		}
		submit(task);
		return task;
	}

	private void push(TaskImpl<?> task) {
		for (;;) {
			TaskImpl<?> h = this.head;
			task.linkNext(h);
			if (HEAD.compareAndSet(this, h, task)) {
				return;
			}
		}
	}

	/**
	 * Unlinks ended tasks, one cleaner at a time. The head stays (pushes race on it); every other
	 * link only this method changes, so {@code prev.next = t.next} cannot lose a push.
	 */
	private void clean() {
		if (this.cleaning || !CLEANING.compareAndSet(this, false, true)) {
			return;
		}
		try {
			this.spawnsSinceClean = 0;
			TaskImpl<?> prev = this.head;
			if (prev == null) {
				return;
			}
			int live = 1;
			for (TaskImpl<?> t = prev.next; t != null; t = t.next) {
				if (t.isFinal()) {
					prev.next = t.next;
				}
				else {
					prev = t;
					live++;
				}
			}
			this.cleanInterval = Math.max(MIN_CLEAN_INTERVAL, 2 * live);
		}
		finally {
			this.cleaning = false;
		}
	}

	private void submit(TaskImpl<?> task) {
		try {
			this.factory.executor().execute(task);
		}
		catch (RuntimeException ex) {
			// S15: a rejected task is not lost. It stays unclaimed for a thread waiting on this group;
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
		if ((this.ctl & SEALED_BITS) != 0) {
			throw refusal();
		}
	}

	private IllegalStateException refusal() {
		if ((this.ctl & CLOSED_BIT) != 0 || this.closeCalled) {
			return new IllegalStateException("group '" + this.name
					+ "' is closed: a group is used once; open a new group for more tasks");
		}
		return new IllegalStateException("group '" + this.name
				+ "' was already awaited: a group is used once; open a new group for more tasks");
	}

	// ---- running tasks (called by TaskImpl)

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

	/** The runner's last word on a task it claimed; the task is final. */
	void taskEnded(TaskImpl<?> task) {
		switch (task.state()) {
			case SUCCESS:
				SUCCEEDED.getAndAdd(this, 1);
				break;
			case FAILED:
				FAILED.getAndAdd(this, 1);
				break;
			default:
				CANCELLED.getAndAdd(this, 1);
		}
		countDown();
	}

	/** A canceller (or its spawner) dropped a pending task: {@code PENDING -> CANCELLED} was its CAS. */
	private void dropped() {
		CANCELLED.getAndAdd(this, 1);
		countDown();
	}

	/** {@code OPEN(n) -> OPEN(n-1)}, then wakes whoever this may concern. */
	private void countDown() {
		int n = (int) (long) CTL.getAndAdd(this, -1L) - 1;
		if ((n == 0 || this.limit > 0) && this.waiters > 0) {
			signalWaiters(); // the awaiter waits for zero; a go() held by the limit for a slot
		}
		if (n == 0 && this.asyncWaiters != null) {
			afterOutstandingChanged();
		}
	}

	private void signalWaiters() {
		this.lock.lock();
		try {
			this.changed.signalAll();
		}
		finally {
			this.lock.unlock();
		}
	}

	/** With an asynchronous waiter, whoever makes the group ready seals it (no thread waits to). */
	private void afterOutstandingChanged() {
		if (this.asyncWaiters != null && trySeal(AWAITED_BIT)) {
			finishSeal();
		}
	}

	// ---- waiting

	/** What a sleeping thread waits for. */
	private static final int FOR_SEAL = 0;

	private static final int FOR_SLOT = 1;

	/**
	 * One waiting thread's walk over the task list. Everything from {@code doneTop} down was seen
	 * claimed by a finished pass, and claims are permanent, so later passes stop there; {@code passTop}
	 * is where the current pass began, {@code next} where it goes on.
	 */
	private static final class WaitCursor {

		TaskImpl<?> doneTop;

		TaskImpl<?> passTop;

		TaskImpl<?> next;

		/** Whether the owner of this walk was interrupted from outside while it waited (S8). */
		boolean interrupted;

	}

	/** The newest unclaimed task, or {@code null} if every task in the list is claimed. */
	private TaskImpl<?> findUnclaimed(WaitCursor cursor) {
		if ((this.ctl & SEALED_BITS) != 0) {
			return null;
		}
		for (;;) {
			for (TaskImpl<?> t = cursor.next; t != null && t != cursor.doneTop; t = t.next) {
				if (t.isClaimable()) {
					cursor.next = t.next;
					return t;
				}
			}
			cursor.doneTop = cursor.passTop;
			TaskImpl<?> h = this.head;
			if (h == cursor.doneTop) {
				cursor.next = null;
				return null;
			}
			cursor.passTop = h;
			cursor.next = h;
		}
	}

	/** Whether a thread waiting {@code forWhat} may stop waiting; checked under the lock. */
	private boolean mayStopWaiting(int forWhat) {
		if (this.finished) {
			return true;
		}
		long c = this.ctl;
		if (forWhat == FOR_SLOT) {
			return (c & SEALED_BITS) != 0 || this.context.isCancelled() || (int) c < this.limit;
		}
		return c == 0 && (!this.context.isCancelled() || this.cancelDone);
	}

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
		WaitCursor cursor = null;
		while (!this.finished) {
			if (trySeal(AWAITED_BIT)) {
				finishSeal();
			}
			else {
				if (cursor == null) {
					cursor = new WaitCursor();
				}
				this.lock.lock();
				try {
					interrupted |= helpOrWait(cursor, FOR_SEAL);
				}
				finally {
					this.lock.unlock();
				}
			}
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
	 * Runs the newest unclaimed task, or sleeps until something changes. Called with the lock held;
	 * returns with it held. Returns whether this thread was interrupted from outside (S8), which
	 * cancels the group.
	 */
	private boolean helpOrWait(WaitCursor cursor, int forWhat) {
		TaskImpl<?> next = findUnclaimed(cursor);
		if (next == null) {
			boolean interrupted = false;
			this.waiters++;
			try {
				// Announced, now look again: a change made before the announcement is seen here, one
				// made after it signals (see the class comment).
				if (mayStopWaiting(forWhat)) {
					return false;
				}
				next = findUnclaimed(cursor);
				if (next == null) {
					this.changed.await();
					return false;
				}
			}
			catch (InterruptedException ex) {
				interrupted = true;
			}
			finally {
				this.waiters--;
			}
			if (interrupted) {
				this.lock.unlock();
				try {
					interruptedWhileWaiting();
				}
				finally {
					this.lock.lock();
				}
				return true;
			}
		}
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

	/**
	 * A task run by the waiter ended on an interrupt meant for the waiter (S8). When the waiter is a
	 * task of this group's cancelled parent, the interrupt was the parent's cancellation (S3), which
	 * interrupts the parent's tasks before it reaches its children: this group then takes the
	 * parent's cause (S14), as it would a moment later, not the interrupt's.
	 */
	void waiterInterrupted(Throwable consumedBy) {
		CancelContext p = this.parent;
		Throwable parentCause = (p != null) ? p.cause() : null;
		if (parentCause != null) {
			this.context.cancel(parentCause);
			return;
		}
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
		boolean done;
		List<TaskImpl<?>> rejected = new ArrayList<>(0);
		this.lock.lock();
		try {
			done = this.finished;
			if (!done) {
				List<CompletableFuture<Void>> futures = this.asyncWaiters;
				if (futures == null) {
					futures = new ArrayList<>(1);
				}
				futures.add(future);
				this.asyncWaiters = futures;
				for (TaskImpl<?> t = this.head; t != null; t = t.next) {
					if (t.rejected && t.isClaimable()) {
						rejected.add(t);
					}
				}
			}
		}
		finally {
			this.lock.unlock();
		}
		if (done) {
			complete(future);
		}
		else if (trySeal(AWAITED_BIT)) {
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
	 * Seals the group if every task has ended and the cancellation side effects have run:
	 * {@code OPEN(0) -> AWAITED | CLOSED}. The one caller that returns {@code true} then calls
	 * {@link #finishSeal()}.
	 */
	private boolean trySeal(long sealBit) {
		if (this.ctl != 0 || (this.context.isCancelled() && !this.cancelDone)
				|| !CTL.compareAndSet(this, 0L, sealBit)) {
			return false;
		}
		Throwable cause = this.context.cause();
		if (cause != null) {
			this.lock.lock();
			try {
				this.failure = new ErrGroupException(this.name, cause, this.suppressed);
			}
			finally {
				this.lock.unlock();
			}
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
					this.waiters++;
					try {
						if (!this.cancelDone) {
							this.changed.awaitUninterruptibly();
						}
					}
					finally {
						this.waiters--;
					}
				}
			}
			finally {
				this.lock.unlock();
			}
		}
		this.head = null; // every task has ended: let them go
		if (this.parentRegistration != null) {
			this.parentRegistration.close();
		}
		this.factory.unregister(this);
		ErrGroupException outcome = this.failure;
		if ((this.ctl & CLOSED_BIT) != 0 && outcome != null && !(outcome.getCause() instanceof CancellationException
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
		this.lock.lock();
		try {
			this.closeCalled = true;
			if (this.asyncWaiters != null) {
				return; // awaitAsync() handed the outcome to its futures: they own the group now
			}
		}
		finally {
			this.lock.unlock();
		}
		if ((this.ctl & SEALED_BITS) == 0) {
			// S10: cancel, then wait for every task; nothing outlives the block.
			this.context.cancel(new CancellationException(
					"group '" + this.name + "' was closed before await(): its tasks were cancelled"));
		}
		while (!this.finished) {
			if (trySeal(CLOSED_BIT)) {
				finishSeal();
			}
			else {
				this.lock.lock();
				try {
					this.waiters++;
					try {
						if (!mayStopWaiting(FOR_SEAL)) {
							this.changed.awaitUninterruptibly(); // keeps the interrupt for the caller
						}
					}
					finally {
						this.waiters--;
					}
				}
				finally {
					this.lock.unlock();
				}
			}
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
			List<TaskImpl<?>> dropped = null;
			for (TaskImpl<?> t = Group.this.head; t != null; t = t.next) {
				if (t.cancelIfPending()) { // S4: pending tasks never start
					if (dropped == null) {
						dropped = new ArrayList<>();
					}
					dropped.add(t);
				}
				else {
					t.interruptIfRunning(); // S3
				}
			}
			if (dropped != null) {
				CANCELLED.getAndAdd(Group.this, dropped.size());
				CTL.getAndAdd(Group.this, (long) -dropped.size());
			}
			if (Group.this.waiters > 0 && (Group.this.limit > 0 || dropped != null)) {
				signalWaiters(); // a go() held by the limit gives up; an awaiter may see zero
			}
			if (dropped != null) {
				for (TaskImpl<?> t : dropped) {
					Group.this.listeners.taskFinished(t);
				}
			}
			super.cancelled(cause); // onCancel callbacks, children included
			Group.this.cancelDone = true;
			if (Group.this.waiters > 0) {
				signalWaiters(); // an awaiter, a closer, or a sealer in finishSeal may go on
			}
			afterOutstandingChanged();
		}

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
		long c = this.ctl;
		if ((c & AWAITED_BIT) != 0) {
			return GroupInfo.State.AWAITED;
		}
		if ((c & CLOSED_BIT) != 0) {
			return GroupInfo.State.CLOSED;
		}
		return this.context.isCancelled() ? GroupInfo.State.CANCELLED : GroupInfo.State.OPEN;
	}

	/** Final counts are kept; PENDING and RUNNING are counted over the list, a snapshot of a moving group. */
	@Override
	public int taskCount(Task.State state) {
		Objects.requireNonNull(state, "state");
		switch (state) {
			case SUCCESS:
				return this.succeeded;
			case FAILED:
				return this.failed;
			case CANCELLED:
				return this.cancelled;
			default:
				int n = 0;
				for (TaskImpl<?> t = this.head; t != null; t = t.next) {
					if (t.state() == state) {
						n++;
					}
				}
				return n;
		}
	}

	/** How many tasks the list links now, ended ones not yet unlinked included; for tests. */
	int linkedTasks() {
		int n = 0;
		for (TaskImpl<?> t = this.head; t != null; t = t.next) {
			n++;
		}
		return n;
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
