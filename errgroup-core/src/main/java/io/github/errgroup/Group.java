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
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The engine behind {@link ErrGroup}: the bookkeeping of one group's tasks, and its {@link GroupInfo}.
 *
 * <h2>Three state machines, one word each</h2>
 * <ul>
 * <li>Each task's fate: {@link TaskImpl}'s compare-and-set {@code state}.</li>
 * <li>The group's cancellation: {@link CancelContext}'s compare-and-set {@code cause}. Whatever cancels
 * (a failing task, {@code cancel}, the deadline timer, the parent, an interrupted waiter, {@code close},
 * the factory) goes through it, so the first one decides the cause and the side effects
 * ({@link Ctx#cancelled}) run once, on the cancelling thread.</li>
 * <li>The group's life and accounting: the word {@code ctl}, changed only by atomic operations
 * (compare-and-set, add, or). Its low 32 bits count the outstanding tasks (spawned and not yet
 * accounted as ended), which is also what a limit bounds, as Go's semaphore holds a slot from
 * {@code Go} until the function returns. Its high bits are the life of the group:
 * <pre>
 *   OPEN(n) --go: only while unsealed and not cancelled; with a limit, n &lt; limit------&gt; OPEN(n+1)
 *   OPEN(n) --a task ends, or a canceller (or spawner) drops a pending one----------------&gt; OPEN(n-1)
 *   OPEN(0) --seal: await, or the first to see it sealable after awaitAsync-------------&gt; AWAITED
 *   OPEN(0) --seal: close without await (it cancels first)--------------------------------&gt; CLOSED
 *   AWAITED | CLOSED --the sealer's finishSeal: timer stopped, S5 cancel, listeners------&gt; + FINISHED
 * </pre>
 * Sealing is a compare-and-set from a count of zero with no seal bit, and only after the cancellation's
 * side effects have run if the group is cancelled (S5 promises the {@code onCancel} callbacks have run
 * when {@code await()} returns); so no task can be added to a sealed group, exactly one thread seals,
 * and a {@code go} from a running task (S11), which holds a count itself, always lands before the seal.
 * {@code FINISHED} is set by the sealer at the end of {@code finishSeal}, by an atomic or, before it
 * reads {@code waiters}, so that a thread sleeping until the group is finished cannot miss it (see
 * {@link Waiter}). Three more bits are set once each, at any time, and never cleared:
 * <ul>
 * <li>{@code CANCEL_DONE}: by the canceller, after the side effects; sealing waits for it. S5's
 * cancel, which only the sealer makes and only after the seal, has no one waiting for it: the sealer
 * sets it together with {@code FINISHED}, one atomic or for both.</li>
 * <li>{@code ASYNC}: by {@code awaitAsync}, under the lock, by an atomic or that also reads
 * {@code FINISHED}: its futures own the group, so a task ending or the canceller seals it (no thread
 * waits to), and {@code close} does nothing.</li>
 * <li>{@code CLOSE_CALLED}: by {@code close} on a group not finished yet (a close after {@code await}
 * has nothing to do and sets nothing); only chooses the word of the refusal message.</li>
 * </ul>
 * A thread that changes the count or sets a bit reads the other bits in the same atomic operation,
 * which is what makes "a task ended" and "an asynchronous waiter came" see each other.</li>
 * </ul>
 *
 * <h2>The other state, and who writes it</h2>
 * <ul>
 * <li>The tasks: the lock-free {@link TaskStack} this class extends (one object less per group), pushed
 * by spawners, walked by the canceller and by waiters, cleaned by one spawner at a time.</li>
 * <li>{@code failed}, {@code cancelled}: atomic counters, added to by whoever accounts for a task's
 * end (its runner, or the canceller or spawner that dropped it), before the task's count is given back.
 * Successes are not counted (one atomic operation less per task): they are what is left of the
 * indexes handed out, see {@link #succeeded()}; {@code uncounted} (atomic, rare) counts the indexes of
 * tasks that never ran nor were cancelled (a refused {@code go}, a failing decorator).</li>
 * <li>{@code nextIndex}: the next task's index, taken by an atomic add by each spawner.</li>
 * <li>{@code cancelledNanos}: written once by the canceller.</li>
 * <li>{@code deadlineTimer}, {@code parentRegistration}: written once by {@link #opened()}, before the
 * group is handed out; read by the sealer.</li>
 * <li>{@code waiters}: how many threads sleep on {@code changed}; written under the lock, read without
 * it by whoever must wake them (see {@link Waiter}).</li>
 * <li>{@code runners}: how many of this group's runnables wait in the executor, not started
 * ({@code WAITING}), and whether a task was ever left to them ({@code LEFT}, set once); only used
 * when the group is batched (below). Added to by whoever hands one off, taken from by the runnable as
 * it starts, {@code LEFT} set by compare-and-set by a spawner that leaves its task.</li>
 * </ul>
 *
 * <h2>Runnables: one per task, or a few that run many (issue 15)</h2>
 * Unbatched ({@code runnerCap} is {@link ErrGroupFactory#UNBATCHED}: an executor whose parallelism is
 * unknown, virtual threads, a pool with a thread per runnable), each task is its own runnable and runs
 * itself only. Batched, with {@code runnerCap = n} (the executor's parallelism):
 * <pre>
 *   spawn:  push the task; then, if WAITING &lt; n, WAITING++ and hand the task to the executor as a
 *           runnable; else leave it: set LEFT (compare-and-set, unless set), a waiting runnable will
 *           find it
 *   runnable starts: WAITING--; then:
 *           take its own task if still unclaimed, else, if LEFT is not set, stop: every task has a
 *           runnable of its own, as unbatched; else the oldest unclaimed one (its own
 *           {@link TaskStack.Fifo} walk: the order the executor would have started them in);
 *           if LEFT, WAITING &lt; n and another task is unclaimed, hand the oldest such off too;
 *           run the task (claimed by compare-and-set, as any runner: see TaskImpl); repeat
 *           an interrupt left set afterwards (the body's, or the executor stopping): hand the rest to
 *           one more runnable if tasks were left and none waits, and give the thread back
 * </pre>
 * No task is left behind. A spawner leaves its task only after reading, or setting, {@code LEFT} with
 * {@code WAITING >= n} in one read of the word, which came after its push: at least one runnable had not
 * started then. Each such runnable decrements the word after that, so it sees {@code LEFT} when it
 * looks, and then sees the task. A runnable that finds nothing unclaimed leaves; a task pushed after
 * its look finds fewer than {@code n} waiting (or a waiting one that will look). A group that never
 * leaves a task costs one atomic add per hand-off and one per start, and its runnables never walk the
 * tasks: a runnable whose task the waiter took just returns, as unbatched. A runnable the
 * executor rejects is not counted and its task stays unclaimed for a waiter, as unbatched (S15). A
 * task runs on a runnable exactly as it would on its own: claimed once, its decorator and context its
 * own, and an interrupt it leaves set ends the runnable rather than reach the next task (S16). The same
 * task may be handed off twice (two runnables saw it unclaimed); the second finds it claimed and looks
 * for others. Runnables take the oldest first, as the executor starts runnables, so that with as many
 * threads as tasks every task still gets one in spawn order (a task that blocks does not keep an older
 * sibling from starting); waiters take the newest, and they race only by compare-and-set.
 *
 * <h2>What the lock guards</h2>
 * The lock ({@link Monitor}, a {@code ReentrantLock} with its condition {@code changed}) is made by
 * the first thread that needs it ({@link #monitor()}, compare-and-set from {@code null}): a group
 * whose owner never sleeps and whose tasks neither fail late nor meet a rejecting executor never
 * makes one. It never guards the count or the task stack. It guards sleeping and waking
 * ({@code changed}, {@code waiters}; see {@link Waiter}), and the few things that change rarely and
 * together:
 * <ul>
 * <li>{@code suppressed}: later failures (S2), added by failing runners, read once by the sealer;
 * {@code null} until the first (most groups have none).</li>
 * <li>{@code failure}: the outcome, written once by the sealer from the cause and {@code suppressed};
 * volatile, read without the lock once the group is finished.</li>
 * <li>{@code asyncWaiters}: {@code awaitAsync} adds its future, then sets {@code ASYNC}; the sealer
 * sets {@code FINISHED}, then, if it saw {@code ASYNC}, reads the list under the lock. Each reads the
 * other's bit in its own atomic or, so a future whose {@code ASYNC} came first is completed by the
 * sealer, and one whose {@code ASYNC} came after {@code FINISHED} takes itself off the list and
 * completes itself.</li>
 * <li>{@code rejected}, the tasks the executor refused, against {@code ASYNC}: a task the executor rejected either sees an
 * asynchronous waiter and runs on its submitter, or is found by {@code awaitAsync}, which runs it
 * (S15); with a thread waiting, that thread claims it.</li>
 * </ul>
 *
 * <h2>Where the pieces live</h2>
 * Limit reservation ({@link #reserve}), spawning, sealing and finishing, and the {@link GroupInfo}
 * view are here; the task list and its cleaning are {@link TaskStack}; a waiting thread that runs
 * tasks instead of idling, and the sleeping protocol, is {@link Waiter}.
 */
final class Group extends TaskStack implements ErrGroup, GroupInfo {

	static final System.Logger LOG = System.getLogger("io.github.errgroup");

	/** {@code ctl}: the outstanding count. */
	private static final long COUNT = 0xFFFF_FFFFL;

	private static final long AWAITED_BIT = 1L << 32;

	private static final long CLOSED_BIT = 1L << 33;

	private static final long SEALED_BITS = AWAITED_BIT | CLOSED_BIT;

	private static final long CANCEL_DONE = 1L << 34;

	private static final long ASYNC = 1L << 35;

	private static final long CLOSE_CALLED = 1L << 36;

	private static final long FINISHED = 1L << 37;

	private static final VarHandle CTL;

	private static final VarHandle UNCOUNTED;

	private static final VarHandle FAILED;

	private static final VarHandle CANCELLED;

	private static final VarHandle NEXT_INDEX;

	private static final VarHandle RUNNERS;

	private static final VarHandle MONITOR;

	private static final VarHandle OPENED_AT;

	static {
		try {
			MethodHandles.Lookup lookup = MethodHandles.lookup();
			CTL = lookup.findVarHandle(Group.class, "ctl", long.class);
			UNCOUNTED = lookup.findVarHandle(Group.class, "uncounted", int.class);
			FAILED = lookup.findVarHandle(Group.class, "failed", int.class);
			CANCELLED = lookup.findVarHandle(Group.class, "cancelled", int.class);
			NEXT_INDEX = lookup.findVarHandle(Group.class, "nextIndex", int.class);
			RUNNERS = lookup.findVarHandle(Group.class, "runners", int.class);
			MONITOR = lookup.findVarHandle(Group.class, "monitor", Monitor.class);
			OPENED_AT = lookup.findVarHandle(Group.class, "openedAt", Instant.class);
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

	/**
	 * How many of this group's runnables may wait in the executor, not started, at once; beyond that a
	 * spawned task is left for the runnables already handed off, which run the group's unclaimed tasks
	 * one after another ({@link #runAsRunner}). {@link ErrGroupFactory#UNBATCHED}: one runnable per
	 * task, which runs that task only, and nothing is counted.
	 */
	final int runnerCap;

	/** {@code runners}: set, and never cleared, once a spawner left a task to the runnables waiting. */
	private static final int LEFT = 1 << 30;

	/** {@code runners}: how many of this group's runnables wait in the executor, not started. */
	private static final int WAITING = LEFT - 1;

	/** {@code WAITING} and {@code LEFT}; changed only when batched. See the class comment. */
	private volatile int runners;

	/**
	 * When the group was opened, on the factory's clock; {@code null} until first read when nothing
	 * needed it at opening (the system clock and no timeout of its own), see {@link #openedAt()}.
	 * Set once, by compare-and-set.
	 */
	private volatile Instant openedAt;

	private final long openedNanos;

	final Listeners listeners;


	/** The next task's index; see the class comment. */
	private volatile int nextIndex;

	/** The lock and its condition; {@code null} until first needed, see {@link #monitor()}. */
	private volatile Monitor monitor;

	private volatile long cancelledNanos;

	private GroupContext.Registration parentRegistration;

	private final Duration timeout;

	private volatile DeadlineClock.Scheduled deadlineTimer;

	/** Outstanding count and life bits; see the class comment. */
	private volatile long ctl;

	/** Indexes handed out to tasks that will never be counted as succeeded, failed or cancelled. */
	private volatile int uncounted;

	private volatile int failed;

	private volatile int cancelled;

	/** Threads sleeping on {@code changed}; changed under the lock, read without it. */
	volatile int waiters;

	// Guarded by lock; null until the first later failure.
	private List<Throwable> suppressed;

	// Written under the lock, once.
	private volatile ErrGroupException failure;

	/**
	 * The task whose failure cancelled the group (S2), for the exception's message (S38); written once,
	 * by that task's runner before the task's count is given back, so the sealer, which reads it after
	 * the count reached zero, sees it.
	 */
	private volatile TaskImpl<?> firstFailed;

	// Guarded by lock; null until the first awaitAsync().
	private List<CompletableFuture<Void>> asyncWaiters;

	// Guarded by lock; null until the executor first rejects a task: the tasks it rejected.
	private List<TaskImpl<?>> rejected;

	Group(ErrGroupFactory factory, long id, String name, int limit, Duration timeout, CancelContext parent) {
		this.factory = factory;
		this.id = id;
		this.name = name;
		this.limit = limit;
		this.parent = parent;
		this.runnerCap = factory.runnersPerGroup();
		this.listeners = factory.listeners();
		this.openedNanos = System.nanoTime();
		DeadlineClock clock = factory.deadlineClock();
		if (timeout != null || clock != Deadlines.SYSTEM) {
			this.openedAt = clock.instant(); // the clock the deadline is read against
		}
		Instant own = (timeout != null) ? plusSaturated(this.openedAt, timeout) : null;
		Instant inherited = (parent != null) ? parent.deadlineOrNull() : null;
		boolean ownIsEarlier = own != null && (inherited == null || own.isBefore(inherited));
		this.context = new Ctx(name, ownIsEarlier ? own : inherited, factory.deadlineClock());
		this.timeout = ownIsEarlier ? timeout : null;
	}

	/** Called once by the factory after registering the group, so that listeners see it open first. */
	void opened() {
		this.listeners.groupOpened(this);
		if (this.parent != null) {
			// S14: the parent's cancellation reaches the child with the parent's cause (parentCancelled);
			// runs at once if the parent is already cancelled.
			this.parentRegistration = this.parent.adopt(this);
		}
		Duration own = this.timeout;
		if (own != null) {
			// S13; a parent's earlier deadline needs no timer here: its cancellation reaches us (S14).
			this.deadlineTimer = this.factory.deadlineClock().schedule(own, () -> this.context
				.cancel(new TimeoutException("group '" + this.name + "' timed out after " + own)));
		}
	}

	/**
	 * Whether the factory finds this group through its parent's link ({@link CancelContext#adopt})
	 * rather than in its own list: the parent is a group of the same factory. Such a group costs the
	 * factory nothing at opening; it is listed directly only once its parent's cancellation has run
	 * the link, after which the parent may finish before it (see {@link #parentCancelled()}).
	 */
	boolean listedByParent() {
		return this.parent instanceof Ctx && ((Ctx) this.parent).group().factory == this.factory;
	}

	/** The parent's cancellation reached this group, once, through its link (S14). */
	void parentCancelled() {
		this.context.cancel(this.parent.cause());
		if (listedByParent() && !isFinished()) {
			this.factory.list(this); // the link has run: from now on the factory lists this group itself
		}
	}

	ErrGroupFactory factory() {
		return this.factory;
	}

	// ---- go / tryGo

	@Override
	public <T> Task<T> go(Callable<T> task) {
		Objects.requireNonNull(task, "task must not be null");
		return spawn(null, task, TaskImpl.KIND_CALLABLE, true);
	}

	@Override
	public <T> Task<T> go(GroupTask<T> task) {
		Objects.requireNonNull(task, "task must not be null");
		return spawn(null, task, TaskImpl.KIND_GROUP_TASK, true);
	}

	@Override
	public Task<Void> go(VoidTask task) {
		Objects.requireNonNull(task, "task must not be null");
		return spawn(null, task, TaskImpl.KIND_VOID_TASK, true);
	}

	@Override
	public <T> Optional<Task<T>> tryGo(Callable<T> task) {
		Objects.requireNonNull(task, "task must not be null");
		return Optional.ofNullable(spawn(null, task, TaskImpl.KIND_CALLABLE, false));
	}

	@Override
	public <T> Optional<Task<T>> tryGo(GroupTask<T> task) {
		Objects.requireNonNull(task, "task must not be null");
		return Optional.ofNullable(spawn(null, task, TaskImpl.KIND_GROUP_TASK, false));
	}

	@Override
	public Optional<Task<Void>> tryGo(VoidTask task) {
		Objects.requireNonNull(task, "task must not be null");
		return Optional.ofNullable(spawn(null, task, TaskImpl.KIND_VOID_TASK, false));
	}

	@Override
	public <T> Task<T> go(String name, Callable<T> task) {
		checkName(name, "go");
		Objects.requireNonNull(task, "task must not be null");
		return spawn(name, task, TaskImpl.KIND_CALLABLE, true);
	}

	@Override
	public <T> Task<T> go(String name, GroupTask<T> task) {
		checkName(name, "go");
		Objects.requireNonNull(task, "task must not be null");
		return spawn(name, task, TaskImpl.KIND_GROUP_TASK, true);
	}

	@Override
	public Task<Void> go(String name, VoidTask task) {
		checkName(name, "go");
		Objects.requireNonNull(task, "task must not be null");
		return spawn(name, task, TaskImpl.KIND_VOID_TASK, true);
	}

	@Override
	public <T> Optional<Task<T>> tryGo(String name, Callable<T> task) {
		checkName(name, "tryGo");
		Objects.requireNonNull(task, "task must not be null");
		return Optional.ofNullable(spawn(name, task, TaskImpl.KIND_CALLABLE, false));
	}

	@Override
	public <T> Optional<Task<T>> tryGo(String name, GroupTask<T> task) {
		checkName(name, "tryGo");
		Objects.requireNonNull(task, "task must not be null");
		return Optional.ofNullable(spawn(name, task, TaskImpl.KIND_GROUP_TASK, false));
	}

	@Override
	public Optional<Task<Void>> tryGo(String name, VoidTask task) {
		checkName(name, "tryGo");
		Objects.requireNonNull(task, "task must not be null");
		return Optional.ofNullable(spawn(name, task, TaskImpl.KIND_VOID_TASK, false));
	}

	/** S38: a name is optional, but a given one must say something. */
	private static void checkName(String name, String method) {
		Objects.requireNonNull(name, () -> "name must not be null; use " + method + "(task) for an unnamed task");
		if (name.isBlank()) {
			throw new IllegalArgumentException(
					"name must not be blank, it was '" + name + "'; use " + method + "(task) for an unnamed task");
		}
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
		Waiter waiter = null;
		try {
			for (;;) {
				long c = this.ctl;
				if ((c & SEALED_BITS) != 0) {
					return SEALED;
				}
				if (this.context.isCancelled()) {
					// Read the seal again: S5's own cancel follows the seal, and a sealed group refuses.
					return isSealed() ? SEALED : CANCELLED_GROUP;
				}
				int n = (int) c;
				if (this.limit > 0 && n >= this.limit) {
					if (!block) {
						return FULL; // S12: tryGo never blocks
					}
					if (waiter == null) {
						this.factory.beforeBlocking(); // about to block for a slot; may refuse
						waiter = new Waiter(this, Waiter.FOR_SLOT);
					}
					waiter.helpOrSleep();
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
			if (waiter != null && waiter.interrupted) {
				Thread.currentThread().interrupt(); // S8: the group is cancelled; the caller keeps its interrupt
			}
		}
	}

	/**
	 * Spawns a task, named or not ({@code null}). With {@code block}, waits (helping) for a limit slot;
	 * without, returns {@code null} when none is free. On a cancelled group, returns a task born
	 * CANCELLED.
	 */
	private <T> TaskImpl<T> spawn(String taskName, Object body, byte kind, boolean block) {
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
		TaskImpl<T> task = new TaskImpl<>(this, (int) NEXT_INDEX.getAndAdd(this, 1), taskName, body, kind);
		try {
			task.decorated = this.factory.decorate(task); // S16: on the submitting thread
		}
		catch (RuntimeException | Error ex) {
			UNCOUNTED.getAndAdd(this, 1); // before the count goes back, so that the seal sees it
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
				UNCOUNTED.getAndAdd(this, 1);
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
		maybeClean();
		if (this.runnerCap == ErrGroupFactory.UNBATCHED) {
			submit(task);
		}
		else {
			handOffOrLeave(task);
		}
		return task;
	}

	/**
	 * Batched: hands the task to the executor if fewer than {@code runnerCap} of the group's runnables
	 * wait there; else leaves it to them, saying so ({@code LEFT}) in the same word they count
	 * themselves started in. Called after the push: see the class comment.
	 */
	private void handOffOrLeave(TaskImpl<?> task) {
		for (;;) {
			int r = this.runners;
			if ((r & WAITING) < this.runnerCap) {
				handOff(task);
				return;
			}
			if ((r & LEFT) != 0 || RUNNERS.compareAndSet(this, r, r | LEFT)) {
				return; // a runnable that has not started yet will find it
			}
		}
	}

	/** Hands a runnable to the executor, counted as waiting until it starts ({@link #runAsRunner}). */
	private void handOff(TaskImpl<?> task) {
		RUNNERS.getAndAdd(this, 1);
		submit(task);
	}

	/**
	 * A runnable of a batched group, on the executor's thread ({@link TaskImpl#run()}): runs its own
	 * task if it is still unclaimed; then, if the group ever left a task to its runnables, the group's
	 * unclaimed tasks, oldest first (the order the executor would have started them in), until there are
	 * none. Before each task, if tasks were left, fewer than {@code runnerCap} runnables wait and another
	 * task is unclaimed, it hands the oldest such to the executor too, so that a burst of spawns made
	 * while the executor was busy spreads over the threads that free up, and a task waiting for a later
	 * sibling is not stuck behind it. See the class comment.
	 */
	void runAsRunner(TaskImpl<?> own) {
		if (!own.isClaimable() && isSealed()) {
			return; // a late runnable of a finished group: nothing is left, and no spawn reads the count
		}
		RUNNERS.getAndAdd(this, -1); // before looking: a spawner that saw it waiting pushed first
		TaskStack.Fifo walk = null;
		TaskImpl<?> next = own;
		for (;;) {
			if (!next.isClaimable()) {
				if ((this.runners & LEFT) == 0) {
					return; // no task was left: each has a runnable of its own
				}
				if (walk == null) {
					if (isSealed()) {
						return;
					}
					walk = new TaskStack.Fifo(this);
				}
				next = walk.nextUnclaimed();
				if (next == null) {
					return;
				}
			}
			int r = this.runners;
			if ((r & LEFT) != 0 && (r & WAITING) < this.runnerCap) {
				if (walk == null) {
					walk = new TaskStack.Fifo(this);
				}
				TaskImpl<?> more = walk.peekUnclaimedOtherThan(next);
				if (more != null) {
					handOff(more);
				}
			}
			next.runBy(false);
			if (Thread.currentThread().isInterrupted()) {
				// Not the task's (it clears the interrupts it caused): the body's own, or the executor's
				// (shutdownNow). The next task must not inherit it (S16), and a pool that stops wants its
				// thread back: leave the rest to a runnable of its own, as the executor would run it.
				if ((this.runners & (LEFT | WAITING)) == LEFT) {
					TaskImpl<?> rest = ((walk != null) ? walk : new TaskStack.Fifo(this)).nextUnclaimed();
					if (rest != null) {
						handOff(rest);
					}
				}
				return;
			}
		}
	}

	private void submit(TaskImpl<?> task) {
		try {
			this.factory.executor().execute(task);
		}
		catch (RuntimeException ex) {
			if (this.runnerCap != ErrGroupFactory.UNBATCHED) {
				RUNNERS.getAndAdd(this, -1);
			}
			// S15: a rejected task is not lost. It stays unclaimed for a thread waiting on this group;
			// with only asynchronous waiters, it runs here, as CallerRunsPolicy would.
			boolean runHere;
			Monitor m = monitor();
			m.lock();
			try {
				if (this.rejected == null) {
					this.rejected = new ArrayList<>(1);
				}
				this.rejected.add(task);
				runHere = this.waiters == 0 && (this.ctl & ASYNC) != 0;
			}
			finally {
				m.unlock();
			}
			LOG.log(System.Logger.Level.DEBUG, () -> "Executor rejected " + task + "; it will run on a waiting thread", ex);
			if (runHere) {
				task.runBy(false);
			}
		}
	}

	private void ensureUsable() {
		if (isSealed()) {
			throw refusal();
		}
	}

	/** Whether the group is sealed: no task can be added, every task has ended. */
	boolean isSealed() {
		return (this.ctl & SEALED_BITS) != 0;
	}

	private boolean isFinished() {
		return (this.ctl & FINISHED) != 0;
	}

	private IllegalStateException refusal() {
		if ((this.ctl & (CLOSED_BIT | CLOSE_CALLED)) != 0) {
			return new IllegalStateException("group '" + this.name
					+ "' is closed: a group is used once; open a new group for more tasks");
		}
		return new IllegalStateException("group '" + this.name
				+ "' was already awaited: a group is used once; open a new group for more tasks");
	}

	// ---- running tasks (called by TaskImpl)

	void taskFailed(TaskImpl<?> task, Throwable ex) {
		if (this.context.cancel(ex)) {
			this.firstFailed = task; // S38: the exception names it
		}
		else {
			Monitor m = monitor();
			m.lock();
			try {
				if (ex != this.context.cause()) {
					if (this.suppressed == null) {
						this.suppressed = new ArrayList<>(1);
					}
					this.suppressed.add(ex); // S2: a later real failure
				}
			}
			finally {
				m.unlock();
			}
		}
	}

	/** The runner's last word on a task it claimed; the task is final. */
	void taskEnded(TaskImpl<?> task) {
		switch (task.state()) {
			case SUCCESS:
				break; // not counted: see succeeded()
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
		long c = (long) CTL.getAndAdd(this, -1L) - 1;
		int n = (int) c;
		if ((n == 0 || this.limit > 0) && this.waiters > 0) {
			signalWaiters(); // the awaiter waits for zero; a go() held by the limit for a slot
		}
		if (n == 0 && (c & ASYNC) != 0) {
			afterOutstandingChanged();
		}
	}

	void signalWaiters() {
		Monitor m = monitor();
		m.lock();
		try {
			m.changed.signalAll();
		}
		finally {
			m.unlock();
		}
	}

	/** The group's lock, made on first use: whoever loses the compare-and-set takes the winner's. */
	Monitor monitor() {
		Monitor m = this.monitor;
		if (m == null) {
			Monitor made = new Monitor();
			m = MONITOR.compareAndSet(this, null, made) ? made : this.monitor;
		}
		return m;
	}

	/** The lock of a group, with the one condition its sleepers wait on. */
	static final class Monitor extends ReentrantLock {

		private static final long serialVersionUID = 1L;

		/** Signalled when what a {@link Waiter} waits for may have changed. */
		final transient Condition changed = newCondition();

	}

	/** With an asynchronous waiter, whoever makes the group ready seals it (no thread waits to). */
	private void afterOutstandingChanged() {
		if ((this.ctl & ASYNC) != 0 && trySeal(AWAITED_BIT)) {
			finishSeal();
		}
	}

	// ---- waiting

	/** Whether a thread waiting {@code forWhat} (a {@link Waiter} constant) may stop; checked under the lock. */
	boolean mayStopWaiting(int forWhat) {
		long c = this.ctl;
		if ((c & FINISHED) != 0) {
			return true;
		}
		if (forWhat == Waiter.FOR_SLOT) {
			return (c & SEALED_BITS) != 0 || this.context.isCancelled() || (int) c < this.limit;
		}
		if (forWhat == Waiter.FOR_CANCEL_DONE) {
			return (c & CANCEL_DONE) != 0;
		}
		return sealable(c);
	}

	/** Whether {@code c} allows the seal: no task outstanding, not sealed, cancellation side effects done. */
	private boolean sealable(long c) {
		return (c & (COUNT | SEALED_BITS)) == 0 && ((c & CANCEL_DONE) != 0 || !this.context.isCancelled());
	}

	@Override
	public void await() {
		if (CancelContext.currentOrNull() == this.context) {
			throw new IllegalStateException("await() called from a task of group '" + this.name
					+ "' would wait for itself; the group's owner awaits it");
		}
		if (!isFinished()) {
			this.factory.beforeBlocking(); // may refuse, e.g. on a non-blocking thread
		}
		boolean interrupted = Thread.interrupted();
		if (interrupted) {
			interruptedWhileWaiting();
		}
		Waiter waiter = null;
		while (!isFinished()) {
			if (trySeal(AWAITED_BIT)) {
				finishSeal();
			}
			else {
				if (waiter == null) {
					waiter = new Waiter(this, Waiter.FOR_SEAL);
				}
				waiter.helpOrSleep();
			}
		}
		if (interrupted || (waiter != null && waiter.interrupted)) {
			Thread.currentThread().interrupt(); // S8
		}
		ErrGroupException outcome = this.failure;
		if (outcome != null) {
			throw copy(outcome);
		}
	}

	/**
	 * A task ended on an interrupt while this group was live. When this group's parent is cancelled,
	 * the interrupt was the parent's cancellation (S3), which interrupts the parent's tasks (and so a
	 * parent's task that runs one of ours while it waits for us, S15) before it reaches this group: this
	 * group then takes the parent's cause (S14), as it would a moment later, and the task ends
	 * cancelled, as it would on a pool thread. Otherwise the task's exception is a failure (S2, S29).
	 */
	void interruptedWhileLive() {
		CancelContext p = this.parent;
		Throwable parentCause = (p != null) ? p.cause() : null;
		if (parentCause != null) {
			this.context.cancel(parentCause);
		}
	}

	void interruptedWhileWaiting() {
		// S14 before S8: a parent's canceller interrupts its running tasks before it reaches its children
		// through its onCancel callbacks, so a child awaited in one of those tasks hears the interrupt
		// first. The interrupt is then the parent's cancel arriving early: the child's cause is the
		// parent's, as when the callback comes first.
		Throwable parentCause = (this.parent != null) ? this.parent.cause() : null;
		this.context.cancel((parentCause != null) ? parentCause
				: new InterruptedException("the thread waiting for group '" + this.name + "' was interrupted"));
	}

	@Override
	public CompletableFuture<Void> awaitAsync() {
		CompletableFuture<Void> future = new CompletableFuture<>();
		boolean done;
		List<TaskImpl<?>> rejected = null;
		Monitor m = monitor();
		m.lock();
		try {
			done = isFinished();
			if (!done) {
				if (this.asyncWaiters == null) {
					this.asyncWaiters = new ArrayList<>(1);
				}
				this.asyncWaiters.add(future);
				if ((((long) CTL.getAndBitwiseOr(this, ASYNC)) & FINISHED) != 0) {
					// The sealer set FINISHED before our ASYNC: it may not read the list; complete it here.
					this.asyncWaiters.remove(future);
					done = true;
				}
				else {
					rejected = rejectedUnclaimed();
				}
			}
		}
		finally {
			m.unlock();
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

	/** The tasks the executor rejected that nobody has claimed yet; under the lock, which guards {@code rejected}. */
	private List<TaskImpl<?>> rejectedUnclaimed() {
		List<TaskImpl<?>> unclaimed = new ArrayList<>(0);
		if (this.rejected != null) {
			for (TaskImpl<?> t : this.rejected) {
				if (t.isClaimable()) {
					unclaimed.add(t);
				}
			}
		}
		return unclaimed;
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
	 * {@link #finishSeal()}. Loops only when a bit set elsewhere makes the compare-and-set fail.
	 */
	private boolean trySeal(long sealBit) {
		for (;;) {
			long c = this.ctl;
			if (!sealable(c)) {
				return false;
			}
			if (CTL.compareAndSet(this, c, c | sealBit)) {
				break;
			}
		}
		Throwable cause = this.context.cause();
		if (cause != null) {
			Monitor m = monitor();
			m.lock();
			try {
				// firstFailed is set only by the task whose failure won the cause: it is that task's.
				TaskImpl<?> first = this.firstFailed;
				this.failure = new ErrGroupException(this.name, (first != null) ? first.label() : null, cause,
						(this.suppressed != null) ? this.suppressed : List.of());
			}
			finally {
				m.unlock();
			}
		}
		return true;
	}

	/** Runs once, by the thread that sealed, without the lock. */
	private void finishSeal() {
		DeadlineClock.Scheduled timer = this.deadlineTimer;
		if (timer != null) {
			timer.cancel();
		}
		// S5: Go's rule; runs the onCancel callbacks now if nothing cancelled the group before. If a
		// cancel won the cause after trySeal (a parent, a deadline, cancel() racing the seal), its
		// thread may still be running the callbacks: wait for them, await() must not return before.
		if (!this.context.finish()) {
			while (!mayStopWaiting(Waiter.FOR_CANCEL_DONE)) {
				Waiter.sleepUninterruptibly(this, Waiter.FOR_CANCEL_DONE);
			}
		}
		release(); // every task has ended: let them go
		if (this.parentRegistration != null) {
			this.parentRegistration.close();
		}
		ErrGroupException outcome = this.failure;
		if ((this.ctl & CLOSED_BIT) != 0 && outcome != null && !(outcome.getCause() instanceof CancellationException
				&& outcome.getSuppressed().length == 0)) {
			LOG.log(System.Logger.Level.WARNING, "group '" + this.name
					+ "' was closed without await(); its failure would otherwise be lost", outcome);
		}
		this.listeners.groupClosed(this);
		long c = (long) CTL.getAndBitwiseOr(this, FINISHED | CANCEL_DONE);
		if (this.waiters > 0) {
			signalWaiters(); // a closer, or a thread of awaitAsync's that found it sealed by us
		}
		List<CompletableFuture<Void>> futures = null;
		if ((c & ASYNC) != 0) {
			Monitor m = monitor();
			m.lock();
			try {
				futures = new ArrayList<>(this.asyncWaiters);
			}
			finally {
				m.unlock();
			}
		}
		if (futures != null) {
			for (CompletableFuture<Void> future : futures) {
				complete(future);
			}
		}
	}

	private ErrGroupException copy(ErrGroupException outcome) {
		// A fresh exception per call, so that its stack trace shows this call; same cause, same suppressed.
		return new ErrGroupException(this.name, outcome.failedTask(), outcome.getCause(),
				List.of(outcome.getSuppressed()));
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
		if ((this.ctl & (FINISHED | ASYNC)) == FINISHED) {
			return; // the usual close, after await(): nothing to wait for, nor any atomic operation to pay
		}
		if ((((long) CTL.getAndBitwiseOr(this, CLOSE_CALLED)) & ASYNC) != 0) {
			return; // awaitAsync() handed the outcome to its futures: they own the group now
		}
		if (!isSealed()) {
			// S10: cancel, then wait for every task; nothing outlives the block.
			this.context.cancel(new CancellationException(
					"group '" + this.name + "' was closed before await(): its tasks were cancelled"));
		}
		while (!isFinished()) {
			if (trySeal(CLOSED_BIT)) {
				finishSeal();
			}
			else {
				Waiter.sleepUninterruptibly(this, Waiter.FOR_SEAL); // keeps the interrupt for the caller
			}
		}
	}

	/**
	 * The S5 cause of a group that finished without being cancelled. Every group makes one, and a
	 * stack trace would say nothing but "finishSeal", so it has none; nor is its message built until
	 * someone reads it.
	 */
	static final class Finished extends CancellationException {

		private static final long serialVersionUID = 1L;

		private final String name;

		Finished(String name) {
			this.name = name;
		}

		@Override
		public String getMessage() {
			return "group '" + this.name + "' has finished";
		}

		@Override
		public synchronized Throwable fillInStackTrace() {
			return this;
		}

	}

	/** The group's context: cancellation reaches the tasks from here, whoever cancels. */
	final class Ctx extends CancelContext {

		Ctx(String name, Instant deadline, DeadlineClock clock) {
			super(name, deadline, clock);
		}

		Group group() {
			return Group.this;
		}

		/** Ended, for the factory's list of open groups: finished. */
		@Override
		boolean isEnded() {
			return Group.this.isFinished();
		}

		/**
		 * The side effects, once, on the cancelling thread: listeners hear of it before any interrupt
		 * (as {@link GroupListener#groupCancelled} promises); pending tasks are dropped and running ones
		 * interrupted (S3, S4), and the dropped ones are uncounted before a {@code go} held by the limit or
		 * the awaiter is woken; then the {@code onCancel} callbacks, the children's included; last
		 * {@code CANCEL_DONE}, which the seal waits for (S5), and a wake-up for whoever waits for it.
		 */
		@Override
		void cancelled(Throwable cause) {
			Group g = Group.this;
			if (!CancelContext.isFinish(cause) || !g.listeners.isEmpty()) {
				// S5's cancel of a group that finished uncancelled is timed only for listeners, as task
				// times are: a clock read per group that only a listener would look at.
				g.cancelledNanos = System.nanoTime();
			}
			g.listeners.groupCancelled(g);
			// A sealed group's tasks have all ended (the seal needs a count of zero, and nothing is pushed
			// after it): S5's cancel at the end, or one that lost the race to the seal, has nothing to
			// drop or interrupt, and walking every task of a big fan-out would cost a failing
			// compare-and-set each.
			List<TaskImpl<?>> dropped = g.isSealed() ? null : g.cancelAll();
			if (dropped != null) {
				CANCELLED.getAndAdd(g, dropped.size());
				CTL.getAndAdd(g, (long) -dropped.size());
			}
			if (g.waiters > 0 && (g.limit > 0 || dropped != null)) {
				g.signalWaiters(); // a go() held by the limit gives up; an awaiter may see zero
			}
			if (dropped != null) {
				for (TaskImpl<?> t : dropped) {
					g.listeners.taskFinished(t);
				}
			}
			super.cancelled(cause); // onCancel callbacks, children included
			if (CancelContext.isFinish(cause)) {
				return; // S5's cancel, run by the sealer itself: finishSeal sets CANCEL_DONE with FINISHED
			}
			CTL.getAndBitwiseOr(g, CANCEL_DONE);
			if (g.waiters > 0) {
				g.signalWaiters(); // an awaiter, a closer, or a sealer in finishSeal may go on
			}
			g.afterOutstandingChanged();
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
		Instant at = this.openedAt;
		if (at == null) {
			// The system clock, read now and taken back by the monotonic time since opening: reading the
			// wall clock at every opening costs most groups a clock read and an Instant no one asks for.
			Instant made = Instant.now().minusNanos(System.nanoTime() - this.openedNanos);
			at = OPENED_AT.compareAndSet(this, null, made) ? made : this.openedAt;
		}
		return at;
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
				return succeeded();
			case FAILED:
				return this.failed;
			case CANCELLED:
				return this.cancelled;
			default:
				return count(state);
		}
	}

	/**
	 * The tasks that succeeded: every index handed out is a task that is outstanding, failed,
	 * cancelled, uncounted, or succeeded. Exact once the group is sealed; while it runs, a snapshot that
	 * may be one off for each task being spawned or ending at that moment (never below 0).
	 */
	private int succeeded() {
		int failedOrCancelled = this.failed + this.cancelled + this.uncounted;
		int outstanding = (int) this.ctl;
		int n = this.nextIndex - outstanding - failedOrCancelled;
		return Math.max(0, n);
	}

	@Override
	public List<TaskInfo> unfinishedTasks() {
		return unfinished();
	}

	/** How many tasks the list links now, ended ones not yet unlinked included; for tests. */
	int linkedTasks() {
		return linked();
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
