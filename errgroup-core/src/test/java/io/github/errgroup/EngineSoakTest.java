package io.github.errgroup;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.ThreadInfo;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The engine under a long random load: success, failure, outside cancel, deadlines, nesting, limits,
 * {@code tryGo}, {@code awaitAsync} and {@code close} without await, from several owner threads
 * sharing one fixed pool. Runs only in the {@code soak} profile:
 *
 * <pre>
 * mvn -B -pl errgroup-core -Psoak verify                                   # 1,000,000 tasks / 100,000 groups / 10 min
 * mvn -B -pl errgroup-core -Psoak verify -Derrgroup.soak.duration=PT60S    # a short run
 * </pre>
 *
 * It stops at whichever comes first of {@code errgroup.soak.tasks}, {@code errgroup.soak.groups}
 * and {@code errgroup.soak.duration} (ISO-8601), then checks: every await returned; every task ended
 * in exactly one state (per group, when it closes, and in total: spawned = success + failure +
 * cancelled); each group's onCancel clean-up had run when its await returned (S5); no group is left open; the thread count is back to its baseline; the heap after a full
 * GC is within 10% of where it started. {@code errgroup.soak.seed} replays a run.
 */
class EngineSoakTest {

	/** The soak's summary is its result: INFO, shown by default, switched off like any JDK logger. */
	private static final System.Logger LOG = System.getLogger(EngineSoakTest.class.getName());

	private static final long TASKS = Long.getLong("errgroup.soak.tasks", 1_000_000);

	private static final long GROUPS = Long.getLong("errgroup.soak.groups", 100_000);

	private static final Duration DURATION = Duration.parse(System.getProperty("errgroup.soak.duration", "PT10M"));

	private static final int POOL = Integer.getInteger("errgroup.soak.pool", 4);

	private static final int OWNERS = Integer.getInteger("errgroup.soak.owners", 4);

	private final GroupBooks books = new GroupBooks();

	private final LongAdder tasksSpawned = new LongAdder();

	private final AtomicLong groupsOpened = new AtomicLong();

	private final LongAdder awaitsStarted = new LongAdder();

	private final LongAdder awaitsReturned = new LongAdder();

	private final Map<String, LongAdder> outcomes = new ConcurrentHashMap<>();

	private final LongAdder lateCleanUps = new LongAdder();

	/** Shielded regions (S32) in which the thread was found interrupted: the soak sends no other interrupts. */
	private final LongAdder interruptsInShields = new LongAdder();

	private volatile long stopAt;

	@Test
	@Timeout(value = 30, unit = TimeUnit.MINUTES)
	void soak_randomLoad_everyAwaitReturns_everyTaskEndsOnce_noThreadOrHeapLeft() throws Exception {
		long seed = Long.getLong("errgroup.soak.seed", new Random().nextLong());
		report("soak: up to %,d tasks, %,d groups or %s, %d owners on a pool of %d, seed %d", TASKS, GROUPS,
				DURATION, OWNERS, POOL, seed);
		ExecutorService pool = Pools.fixed(POOL, "soak");
		ErrGroupFactory factory = ErrGroupFactory.builder().executor(pool).listener(this.books).build();
		warmUp(factory); // starts the pool's threads and the deadline timer before the baselines
		this.books.reset();
		Set<String> threadsBefore = liveThreads();
		long heapBefore = heapAfterFullGc();

		long started = System.nanoTime();
		this.stopAt = started + DURATION.toNanos();
		List<Thread> owners = new ArrayList<>();
		AtomicReference<Throwable> ownerFailure = new AtomicReference<>();
		CountDownLatch ownersDone = new CountDownLatch(OWNERS);
		for (int i = 0; i < OWNERS; i++) {
			Random random = new Random(seed + i);
			Thread owner = new Thread(() -> {
				try {
					while (!finished()) {
						runOneGroup(factory, random);
					}
				}
				catch (Throwable ex) {
					ownerFailure.compareAndSet(null, ex);
				}
				finally {
					ownersDone.countDown();
				}
			}, "soak-owner-" + i);
			owners.add(owner);
			owner.start();
		}
		long grace = DURATION.toNanos() + TimeUnit.MINUTES.toNanos(2);
		boolean allReturned = ownersDone.await(grace, TimeUnit.NANOSECONDS);
		if (!allReturned) {
			ownerFailure.compareAndSet(null, new AssertionError("an owner did not come back from await:\n" + threadDump()));
			this.stopAt = 0;
		}
		for (Thread owner : owners) {
			owner.join(TimeUnit.SECONDS.toMillis(30));
		}
		long elapsedNanos = System.nanoTime() - started;
		if (ownerFailure.get() != null) {
			throw new AssertionError("soak failed, seed " + seed, ownerFailure.get());
		}

		Set<String> threadsAfter = liveThreadsSettled(threadsBefore);
		long heapAfter = heapAfterFullGc();
		pool.shutdownNow();

		long spawned = this.books.spawned.sum();
		long success = this.books.success.sum();
		long failure = this.books.failure.sum();
		long cancelled = this.books.cancelled.sum();
		double seconds = elapsedNanos / 1e9;
		report("soak: %,d groups (%,d of them nested), %,d tasks in %.1f s (%,.0f tasks/s)",
				this.books.groupsClosed.get(), this.books.groupsClosed.get() - this.awaitsStarted.sum(), spawned, seconds,
				spawned / seconds);
		report("soak: awaits started %,d, returned %,d; outcomes %s", this.awaitsStarted.sum(),
				this.awaitsReturned.sum(), new java.util.TreeMap<>(this.outcomes));
		report("soak: onCancel clean-ups not yet run when await returned (S5): %,d; shielded regions interrupted (S32): %,d",
				this.lateCleanUps.sum(), this.interruptsInShields.sum());
		report("soak: spawned %,d = success %,d + failure %,d + cancelled %,d (%s); finished twice %d; "
				+ "per-group mismatches %d; open groups %d", spawned, success, failure, cancelled,
				(spawned == success + failure + cancelled) ? "holds" : "BROKEN", this.books.finishedTwice.get(),
				this.books.mismatches.get(), factory.openGroups().size());
		report("soak: threads before %d, after %d%s", threadsBefore.size(), threadsAfter.size(),
				threadsAfter.equals(threadsBefore) ? "" : " (new: " + difference(threadsAfter, threadsBefore) + ", gone: "
						+ difference(threadsBefore, threadsAfter) + ")");
		report("soak: heap after full GC %.1f MiB at start, %.1f MiB at the end (%+.1f%%)", heapBefore / 1048576.0,
				heapAfter / 1048576.0, 100.0 * (heapAfter - heapBefore) / heapBefore);

		assertThat(this.awaitsReturned.sum()).as("every await returned").isEqualTo(this.awaitsStarted.sum());
		assertThat(this.lateCleanUps.sum()).as("awaits that returned before the group's onCancel clean-up ran (S5)").isZero();
		assertThat(this.books.finishedTwice).as("tasks that finished twice").hasValue(0);
		assertThat(this.interruptsInShields.sum()).as("shielded regions (S32) that were interrupted").isZero();
		assertThat(this.books.mismatches).as("groups whose tasks did not all end once: " + this.books.firstMismatch.get())
			.hasValue(0);
		assertThat(spawned).as("spawned = success + failure + cancelled").isEqualTo(success + failure + cancelled);
		assertThat(spawned).as("the listener saw every task go() returned").isEqualTo(this.tasksSpawned.sum());
		assertThat(factory.openGroups()).as("groups left open").isEmpty();
		assertThat(threadsAfter).as("threads back to the baseline").isEqualTo(threadsBefore);
		assertThat(heapAfter).as("heap after a full GC within 10%% of the start (%d bytes)", heapBefore)
			.isLessThanOrEqualTo((long) (heapBefore * 1.10));
	}

	private boolean finished() {
		return System.nanoTime() - this.stopAt >= 0 || this.tasksSpawned.sum() >= TASKS || this.groupsOpened.get() >= GROUPS;
	}

	// ---- the load

	/** A failure a task throws on purpose. */
	static final class SoakFailure extends RuntimeException {

		private static final long serialVersionUID = 1L;

		SoakFailure() {
			super("soak failure", null, false, false);
		}

	}

	/**
	 * Opens one group with random settings, spawns 1 to 19 random tasks, and ends it in one of the
	 * ways a user would; checks its outcome against what was done to it.
	 */
	private void runOneGroup(ErrGroupFactory factory, Random random) throws Exception {
		this.groupsOpened.incrementAndGet();
		int roll = random.nextInt(100);
		boolean deadline = roll < 10; // blocking tasks only here: the deadline ends them
		boolean outsideCancel = roll >= 10 && roll < 20;
		boolean closeOnly = roll >= 20 && roll < 25; // close() without await (S10)
		boolean async = roll >= 25 && roll < 35; // awaitAsync()
		GroupSpec spec = factory.group("soak");
		int limit = (random.nextInt(100) < 30) ? 1 + random.nextInt(4) : 0;
		if (limit > 0) {
			spec.limit(limit);
		}
		if (deadline) {
			spec.timeout(Duration.ofMillis(1 + random.nextInt(3)));
		}
		ErrGroup group = spec.open();
		AtomicInteger cleanUps = new AtomicInteger();
		group.context().onCancel(cleanUps::incrementAndGet);
		int tasks = 1 + random.nextInt(19);
		boolean mayFail = !closeOnly;
		List<Task<?>> handles = new ArrayList<>(tasks);
		for (int i = 0; i < tasks; i++) {
			int kind = random.nextInt(100);
			Task<?> task;
			if (mayFail && kind < 2) {
				task = group.go(() -> {
					throw new SoakFailure();
				});
			}
			else if (deadline && kind < 30) {
				task = group.go(Pools::blockUntilInterrupted);
			}
			else if (kind < 12 && !closeOnly) {
				int children = 1 + random.nextInt(3);
				boolean childFails = random.nextInt(100) < 5;
				task = group.go(ctx -> nested(factory, children, childFails)); // S14: a child of this group
			}
			else if (limit > 0 && kind < 20) {
				Optional<? extends Task<?>> tried = group.tryGo(() -> compute(40));
				if (tried.isEmpty()) {
					continue;
				}
				task = tried.get();
			}
			else if (kind >= 90) {
				int work = random.nextInt(200);
				task = group.go(() -> shielded(work));
			}
			else {
				int work = random.nextInt(200);
				task = group.go(() -> compute(work));
			}
			this.tasksSpawned.increment();
			handles.add(task);
		}
		if (outsideCancel) {
			group.cancel();
		}
		this.awaitsStarted.increment();
		Throwable outcome = null;
		if (closeOnly) {
			group.close();
			outcome = ((GroupInfo) group).failure().map(Throwable.class::cast).orElse(null);
		}
		else if (async) {
			try {
				group.awaitAsync().get();
			}
			catch (ExecutionException ex) {
				outcome = ex.getCause();
			}
		}
		else {
			try {
				group.await();
			}
			catch (ErrGroupException ex) {
				outcome = ex;
			}
			group.close();
		}
		this.awaitsReturned.increment();
		if (cleanUps.get() != 1) {
			// S5: the clean-up has run, once, when await returns. A deadline firing while await seals
			// can still be running it (see RacesModelCheckTest.S5_cancelRacingTheSeal...).
			this.lateCleanUps.increment();
		}
		for (Task<?> task : handles) {
			Task.State state = task.state();
			if (state == Task.State.PENDING || state == Task.State.RUNNING) {
				throw new AssertionError("a task is " + state + " after its group's await returned: " + task);
			}
		}
		Throwable cause = (outcome != null) ? outcome.getCause() : null;
		String kind = (cause == null) ? "success" : cause.getClass().getSimpleName();
		this.outcomes.computeIfAbsent(kind, k -> new LongAdder()).increment();
		if (cause != null && !(cause instanceof SoakFailure || cause instanceof ErrGroupException
				|| cause instanceof CancellationException || cause instanceof TimeoutException)) {
			throw new AssertionError("unexpected cause " + cause, outcome);
		}
		if (cause instanceof TimeoutException && !deadline) {
			throw new AssertionError("a group without a deadline timed out", outcome);
		}
		if (cause instanceof CancellationException && !(outsideCancel || closeOnly)) {
			throw new AssertionError("a group no one cancelled ended cancelled", outcome);
		}
	}

	private Object nested(ErrGroupFactory factory, int children, boolean childFails) {
		this.groupsOpened.incrementAndGet();
		try (ErrGroup child = factory.newGroup("soak-child")) {
			for (int i = 0; i < children; i++) {
				boolean fails = childFails && i == children - 1;
				child.go(() -> {
					if (fails) {
						throw new SoakFailure();
					}
					return compute(50);
				});
				this.tasksSpawned.increment();
			}
			child.await();
		}
		return null;
	}

	/** Computes inside a shielded region (S32), which no cancellation interrupts. */
	private long shielded(int work) {
		try (GroupContext.Shield shield = GroupContext.shield()) {
			long x = compute(work);
			if (Thread.currentThread().isInterrupted()) {
				this.interruptsInShields.increment();
			}
			return x;
		}
	}

	private static long compute(int work) {
		long x = work;
		for (int i = 0; i < work; i++) {
			x = x * 6364136223846793005L + 1442695040888963407L;
		}
		return x;
	}

	private void warmUp(ErrGroupFactory factory) throws Exception {
		for (int i = 0; i < 200; i++) {
			try (ErrGroup group = factory.group("warm-up").timeout(Duration.ofMillis(1)).open()) {
				for (int t = 0; t < POOL * 2; t++) {
					group.go(() -> compute(100));
				}
				group.go(Pools::blockUntilInterrupted);
				try {
					group.await();
				}
				catch (ErrGroupException expected) {
					// the deadline
				}
			}
		}
	}

	// ---- the invariants' instruments

	/**
	 * Counts every task's end, per group and in total; a group's books are checked when it closes and then
	 * dropped, so that millions of tasks keep no memory ({@link Books} keeps every task, for short tests).
	 */
	static final class GroupBooks implements GroupListener {

		final LongAdder spawned = new LongAdder();

		final LongAdder success = new LongAdder();

		final LongAdder failure = new LongAdder();

		final LongAdder cancelled = new LongAdder();

		final AtomicInteger finishedTwice = new AtomicInteger();

		final AtomicInteger mismatches = new AtomicInteger();

		final AtomicReference<String> firstMismatch = new AtomicReference<>();

		final AtomicLong groupsClosed = new AtomicLong();

		/** Per open group: [spawned, finished]; removed when it closes, so the map stays small. */
		private final Map<GroupInfo, AtomicInteger[]> open = new ConcurrentHashMap<>();

		/** Tasks seen finished, per open group, to catch a second taskFinished. */
		private final Map<GroupInfo, Set<Integer>> finishedIndexes = new ConcurrentHashMap<>();

		void reset() {
			this.spawned.reset();
			this.success.reset();
			this.failure.reset();
			this.cancelled.reset();
			this.groupsClosed.set(0);
		}

		private AtomicInteger[] of(GroupInfo group) {
			return this.open.computeIfAbsent(group, g -> new AtomicInteger[] { new AtomicInteger(), new AtomicInteger() });
		}

		@Override
		public void taskSpawned(TaskInfo task) {
			this.spawned.increment();
			of(task.group())[0].incrementAndGet();
		}

		@Override
		public void taskFinished(TaskInfo task) {
			switch (task.state()) {
				case SUCCESS -> this.success.increment();
				case FAILED -> this.failure.increment();
				case CANCELLED -> this.cancelled.increment();
				default -> {
					this.mismatches.incrementAndGet();
					this.firstMismatch.compareAndSet(null, "taskFinished with a task " + task.state());
				}
			}
			of(task.group())[1].incrementAndGet();
			Set<Integer> seen = this.finishedIndexes.computeIfAbsent(task.group(), g -> ConcurrentHashMap.newKeySet());
			if (!seen.add(task.index())) {
				this.finishedTwice.incrementAndGet();
			}
		}

		@Override
		public void groupClosed(GroupInfo group) {
			this.groupsClosed.incrementAndGet();
			AtomicInteger[] counts = this.open.remove(group);
			this.finishedIndexes.remove(group);
			int spawnedHere = (counts != null) ? counts[0].get() : 0;
			int finishedHere = (counts != null) ? counts[1].get() : 0;
			int tallied = group.taskCount(Task.State.SUCCESS) + group.taskCount(Task.State.FAILED)
					+ group.taskCount(Task.State.CANCELLED);
			int unfinished = group.taskCount(Task.State.PENDING) + group.taskCount(Task.State.RUNNING);
			if (spawnedHere != finishedHere || tallied != spawnedHere || unfinished != 0) {
				this.mismatches.incrementAndGet();
				this.firstMismatch.compareAndSet(null, group + ": spawned " + spawnedHere + ", finished " + finishedHere
						+ ", tallied " + tallied + ", unfinished " + unfinished);
			}
		}

	}

	private static void report(String format, Object... args) {
		LOG.log(System.Logger.Level.INFO, () -> String.format(format, args));
	}

	private static Set<String> liveThreads() {
		// Attach Listener appears when a tool such as jstack attaches; it is the JVM's, not ours.
		return Thread.getAllStackTraces()
			.keySet()
			.stream()
			.filter(Thread::isAlive)
			.map(t -> t.getName() + "#" + t.getId())
			.filter(name -> !name.startsWith("Attach Listener"))
			// The shared timer's hand-off pool (Deadlines): a JDK cached pool whose idle threads end a
			// minute after their last firing, shared by every factory, so not a thread a group leaks.
			.filter(name -> !name.startsWith("errgroup-deadline-"))
			.collect(Collectors.toCollection(TreeSet::new));
	}

	/** The live threads, waiting (bounded) for threads that are exiting to be gone. */
	private static Set<String> liveThreadsSettled(Set<String> baseline) throws InterruptedException {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
		Set<String> now = liveThreads();
		while (!now.equals(baseline) && System.nanoTime() - deadline < 0) {
			Thread.onSpinWait();
			Thread.yield();
			now = liveThreads();
		}
		return now;
	}

	private static Set<String> difference(Set<String> a, Set<String> b) {
		Set<String> d = new TreeSet<>(a);
		d.removeAll(b);
		return d;
	}

	/**
	 * Heap in use after full collections: collects until two readings agree within 1% (bounded to
	 * 10 s), and returns the lowest reading.
	 */
	private static long heapAfterFullGc() {
		MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
		long lowest = Long.MAX_VALUE;
		long previous = -1;
		for (int round = 0; round < 20 && System.nanoTime() - deadline < 0; round++) {
			System.gc();
			long used = memory.getHeapMemoryUsage().getUsed();
			lowest = Math.min(lowest, used);
			if (round >= 2 && previous >= 0 && Math.abs(used - previous) <= previous / 100) {
				break;
			}
			previous = used;
		}
		return lowest;
	}

	private static String threadDump() {
		StringBuilder dump = new StringBuilder();
		for (ThreadInfo info : ManagementFactory.getThreadMXBean().dumpAllThreads(false, false)) {
			dump.append(info);
		}
		return dump.toString();
	}

}
