package io.github.errgroup;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Faults the core must survive with its documented outcome and nothing lost: an executor that
 * rejects in bursts (S15), tasks throwing {@code Error}s (S6), a task that ignores interrupts (S1,
 * S3, and what the overdue gauge reads), and the awaiting thread interrupted at random points (S8).
 * Every test ends with the listener's books balanced: spawned = success + failure + cancelled.
 */
@Timeout(value = 30, unit = SECONDS)
class CoreFaultsTest {

	/** Measurements, not results: at DEBUG, which the JDK's default logging configuration does not show. */
	private static final System.Logger LOG = System.getLogger(CoreFaultsTest.class.getName());

	private final List<ExecutorService> executors = new ArrayList<>();

	private final Books books = new Books();

	@AfterEach
	void shutdown() {
		this.executors.forEach(ExecutorService::shutdownNow);
		Thread.interrupted(); // never leak an interrupt to the next test
	}

	private ExecutorService pool(int threads, String prefix) {
		ExecutorService pool = Pools.fixed(threads, prefix);
		this.executors.add(pool);
		return pool;
	}

	private ErrGroupFactory factory(Executor executor) {
		return ErrGroupFactory.builder().executor(executor).listener(this.books).build();
	}

	private static ConditionFactory eventually() {
		return Awaitility.await().atMost(Duration.ofSeconds(10)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1));
	}

	// ---- an executor that rejects in bursts (S15)

	/**
	 * Rejects {@code burst} submissions in a row, then accepts as many, and so on: a saturated pool
	 * whose queue drains and fills again.
	 */
	static final class BurstRejecting implements Executor {

		private final Executor delegate;

		private final int burst;

		private final AtomicLong submissions = new AtomicLong();

		final AtomicInteger rejected = new AtomicInteger();

		BurstRejecting(Executor delegate, int burst) {
			this.delegate = delegate;
			this.burst = burst;
		}

		@Override
		public void execute(Runnable command) {
			if ((this.submissions.getAndIncrement() / this.burst) % 2 == 1) {
				this.rejected.incrementAndGet();
				throw new RejectedExecutionException("rejected in a burst of " + this.burst);
			}
			this.delegate.execute(command);
		}

	}

	@ParameterizedTest(name = "bursts of {0}")
	@ValueSource(ints = { 1, 7, 50 })
	void S15_executorRejectingInBursts_everyTaskRunsOnce_rejectedOnesOnTheAwaitingThread(int burst) {
		BurstRejecting executor = new BurstRejecting(pool(2, "burst"), burst);
		ErrGroupFactory factory = factory(executor);
		int groups = 20;
		int tasksPerGroup = 50;
		Thread owner = Thread.currentThread();
		for (int g = 0; g < groups; g++) {
			Map<Integer, AtomicInteger> runs = new ConcurrentHashMap<>();
			List<Task<Thread>> tasks = new ArrayList<>();
			try (ErrGroup group = factory.newGroup("burst-" + g)) {
				for (int i = 0; i < tasksPerGroup; i++) {
					int n = i;
					tasks.add(group.go(() -> {
						runs.computeIfAbsent(n, k -> new AtomicInteger()).incrementAndGet();
						return Thread.currentThread();
					}));
				}
				group.await();
			}
			assertThat(runs).hasSize(tasksPerGroup);
			assertThat(runs.values()).allSatisfy(count -> assertThat(count).hasValue(1));
			for (Task<Thread> task : tasks) {
				assertThat(task.state()).isEqualTo(Task.State.SUCCESS);
				if (!((TaskInfo) task).ranByWaiter()) {
					assertThat(task.resultNow()).isNotSameAs(owner);
				}
			}
		}
		assertThat(executor.rejected).as("the executor did reject").hasPositiveValue();
		assertThat(this.books.ranByWaiter()).as("rejected tasks ran on the awaiting thread")
			.isGreaterThanOrEqualTo(executor.rejected.get());
		this.books.assertBalanced(groups * tasksPerGroup, groups);
	}

	@Test
	void S15_S4_executorRejectingInBursts_aFailureCancelsWhatIsLeft_nothingIsLost() {
		BurstRejecting executor = new BurstRejecting(pool(2, "burst"), 3);
		ErrGroupFactory factory = factory(executor);
		IllegalStateException boom = new IllegalStateException("boom");
		AtomicInteger started = new AtomicInteger();
		List<Task<Object>> tasks = new ArrayList<>();
		ErrGroupException ex;
		try (ErrGroup group = factory.newGroup("burst-failure")) {
			for (int i = 0; i < 40; i++) {
				int n = i;
				tasks.add(group.go(() -> {
					started.incrementAndGet();
					if (n == 10) {
						throw boom;
					}
					return n;
				}));
			}
			ex = catchThrowableOfType(ErrGroupException.class, group::await);
		}
		assertThat(ex.getCause()).isSameAs(boom);
		assertThat(tasks).allSatisfy(t -> assertThat(t.state()).isIn(Task.State.SUCCESS, Task.State.FAILED, Task.State.CANCELLED));
		long ran = tasks.stream().filter(t -> t.state() != Task.State.CANCELLED).count();
		assertThat(started).as("only tasks that ran are SUCCESS or FAILED").hasValue((int) ran);
		this.books.assertBalanced(40, 1);
	}

	@Test
	void S15_awaitAsync_executorRejectingInBursts_completesWithEveryTaskRun() throws Exception {
		BurstRejecting executor = new BurstRejecting(pool(2, "burst"), 2);
		ErrGroupFactory factory = factory(executor);
		AtomicInteger runs = new AtomicInteger();
		ErrGroup group = factory.newGroup("burst-async");
		for (int i = 0; i < 30; i++) {
			group.go(runs::incrementAndGet);
		}
		group.awaitAsync().get(10, SECONDS);
		assertThat(runs).hasValue(30);
		this.books.assertBalanced(30, 1);
	}

	// ---- tasks throwing Errors (S6)

	private static int recurse(int depth) {
		return recurse(depth + 1) + 1;
	}

	@Test
	void S6_aRealStackOverflowErrorIsTheCause_thePoolThreadSurvives() throws Exception {
		ExecutorService single = pool(1, "error");
		ErrGroupFactory factory = factory(single);
		CountDownLatch cancelled = new CountDownLatch(1);
		ErrGroupException ex;
		Task<Object> blocked;
		try (ErrGroup group = factory.newGroup("stack-overflow")) {
			group.context().onCancel(cancelled::countDown);
			Task<Integer> overflowing = group.go(() -> recurse(0));
			blocked = group.go(Pools::blockUntilInterrupted); // queued behind it on the one thread
			ex = catchThrowableOfType(ErrGroupException.class, group::await);
			assertThat(overflowing.state()).isEqualTo(Task.State.FAILED);
			assertThat(overflowing.exceptionNow()).isInstanceOf(StackOverflowError.class);
		}
		assertThat(ex.getCause()).isInstanceOf(StackOverflowError.class);
		assertThat(cancelled.await(0, SECONDS)).as("the Error cancelled the group").isTrue();
		assertThat(blocked.state()).isEqualTo(Task.State.CANCELLED);
		assertThat(single.submit(() -> "still alive").get(10, SECONDS)).as("the pool's one thread survived").isEqualTo("still alive");
		this.books.assertBalanced(2, 1);
	}

	@Test
	void S6_anOutOfMemoryErrorThrownByATask_isTheCauseAsTheSameInstance_onThePoolAndOnTheWaiter() {
		OutOfMemoryError onPool = new OutOfMemoryError("simulated, on a pool thread");
		OutOfMemoryError onWaiter = new OutOfMemoryError("simulated, on the awaiting thread");
		ErrGroupFactory pooled = factory(pool(2, "error"));
		ErrGroupFactory rejecting = factory(r -> {
			throw new RejectedExecutionException("full"); // every task runs on the awaiting thread
		});
		for (Object[] run : new Object[][] { { pooled, onPool }, { rejecting, onWaiter } }) {
			OutOfMemoryError error = (OutOfMemoryError) run[1];
			ErrGroupException ex;
			Task<Object> failing;
			try (ErrGroup group = ((ErrGroupFactory) run[0]).newGroup("oom")) {
				// The awaiting thread runs the newest pending task first: the failing one, here.
				group.go(Pools::blockUntilInterrupted);
				failing = group.go(() -> {
					throw error;
				});
				ex = catchThrowableOfType(ErrGroupException.class, group::await);
			}
			assertThat(ex.getCause()).isSameAs(error);
			assertThat(failing.exceptionNow()).isSameAs(error);
		}
		assertThat(Thread.currentThread().isInterrupted()).isFalse();
		this.books.assertBalanced(4, 2);
	}

	@Test
	void S6_AssertionErrorsFromManyTasksAtOnce_oneCauseTheRestSuppressed_noneLost() {
		ErrGroupFactory factory = factory(pool(8, "error"));
		CountDownLatch allStarted = new CountDownLatch(8);
		List<AssertionError> thrown = new ArrayList<>();
		for (int i = 0; i < 8; i++) {
			thrown.add(new AssertionError("task " + i));
		}
		ErrGroupException ex;
		try (ErrGroup group = factory.newGroup("errors")) {
			for (AssertionError error : thrown) {
				group.go(() -> {
					allStarted.countDown();
					Pools.awaitIgnoringInterrupts(allStarted); // all eight fail, none is dropped as pending
					throw error;
				});
			}
			ex = catchThrowableOfType(ErrGroupException.class, group::await);
		}
		List<Throwable> reported = new ArrayList<>(List.of(ex.getSuppressed()));
		reported.add(0, ex.getCause());
		assertThat(reported).containsExactlyInAnyOrderElementsOf(thrown);
		this.books.assertBalanced(8, 1);
	}

	// ---- a task that ignores interrupts (S1, S3; what the overdue gauge reads)

	@Test
	void S1_S3_aTaskIgnoringInterrupts_awaitWaitsForIt_groupInfoShowsItRunningAfterTheCancel() throws Exception {
		ExecutorService pool = pool(2, "stubborn");
		ErrGroupFactory factory = factory(pool);
		CountDownLatch release = new CountDownLatch(1);
		AtomicInteger interruptsIgnored = new AtomicInteger();
		IllegalStateException boom = new IllegalStateException("boom");
		ErrGroup group = factory.newGroup("stubborn");
		Task<String> ignoring = group.go(() -> {
			for (;;) {
				try {
					if (release.await(10, SECONDS)) {
						return "done anyway";
					}
				}
				catch (InterruptedException ex) {
					interruptsIgnored.incrementAndGet(); // and carry on: the task ignores cancellation
				}
			}
		});
		eventually().until(() -> ignoring.state() == Task.State.RUNNING);
		CompletableFuture<Throwable> awaiting = CompletableFuture.supplyAsync(() -> catchThrowableOfType(ErrGroupException.class, group::await));
		group.go(() -> {
			throw boom;
		});
		eventually().until(() -> interruptsIgnored.get() >= 1);
		GroupInfo info = factory.openGroups().get(0);
		assertThat(info.cancelledNanos()).as("cancelledNanos set").isPositive();
		assertThat(info.context().cause()).isSameAs(boom);
		assertThat(info.state()).isEqualTo(GroupInfo.State.CANCELLED);
		eventually().until(() -> info.taskCount(Task.State.RUNNING) == 1); // the failing task has ended
		assertThat(ignoring.state()).isEqualTo(Task.State.RUNNING);
		long overdueNanos = System.nanoTime() - info.cancelledNanos();
		assertThat(overdueNanos).as("what the overdue gauge reads: time running since the cancel").isPositive();
		assertThat(awaiting).as("await waits for the task that ignores interrupts").isNotDone();
		release.countDown();
		Throwable ex = awaiting.get(10, SECONDS);
		assertThat(ex).isInstanceOf(ErrGroupException.class);
		assertThat(ex.getCause()).isSameAs(boom);
		assertThat(ignoring.state()).isEqualTo(Task.State.SUCCESS);
		assertThat(ignoring.resultNow()).isEqualTo("done anyway");
		assertThat(info.taskCount(Task.State.RUNNING)).isZero();
		assertThat(factory.openGroups()).isEmpty();
		// The thread that ran the ignoring task kept no cancel interrupt for its next task.
		List<Boolean> flags = new ArrayList<>();
		for (int i = 0; i < 4; i++) {
			flags.add(pool.submit(() -> Thread.currentThread().isInterrupted()).get(10, SECONDS));
		}
		assertThat(flags).containsOnly(false);
		this.books.assertBalanced(2, 1);
	}

	// ---- the awaiting thread interrupted (S8), in bursts

	/**
	 * 1000 groups whose tasks only end when cancelled, on a one-thread pool so that the awaiting
	 * thread helps. Another thread interrupts the owner at a random point: while it spawns, before
	 * await, while await waits, or while the owner runs a task it helped with. Every await throws
	 * with an InterruptedException cause and the flag set, and no task is left running. A task whose
	 * blocking call consumed the owner's interrupt ended on an InterruptedException while its group
	 * was live: a failure, as on a pool thread (S29), and the group's cause; the others are cancelled.
	 */
	@Test
	void S8_S15_ownerInterruptedAtRandomPointsAcross1000Groups_eachAwaitThrowsWithTheFlagSet_noTaskLeftRunning()
			throws Exception {
		ErrGroupFactory factory = factory(pool(1, "interrupted"));
		long seed = new Random().nextLong();
		Random random = new Random(seed);
		Thread owner = Thread.currentThread();
		SynchronousQueue<Integer> delays = new SynchronousQueue<>();
		Thread interrupter = new Thread(() -> {
			try {
				for (;;) {
					int spins = delays.take();
					if (spins < 0) {
						return;
					}
					for (int i = 0; i < spins; i++) {
						Thread.onSpinWait();
					}
					owner.interrupt();
				}
			}
			catch (InterruptedException ex) {
				// test over
			}
		}, "interrupter");
		interrupter.setDaemon(true);
		interrupter.start();
		int groups = 1000;
		int helped = 0;
		try {
			for (int g = 0; g < groups; g++) {
				List<Task<Object>> tasks = new ArrayList<>();
				ErrGroup group = factory.newGroup("interrupted-" + g);
				delays.put(random.nextInt(20_000)); // the interrupt is on its way
				for (int i = 0; i < 3; i++) {
					tasks.add(group.go(Pools::blockUntilInterrupted));
				}
				ErrGroupException ex = catchThrowableOfType(ErrGroupException.class, group::await);
				assertThat(ex).as("group %d (seed %d): await threw", g, seed).isNotNull();
				assertThat(ex.getCause()).as("group %d (seed %d)", g, seed).isInstanceOf(InterruptedException.class);
				assertThat(Thread.interrupted()).as("group %d (seed %d): the flag is set again", g, seed).isTrue();
				GroupInfo info = (GroupInfo) group;
				assertThat(info.taskCount(Task.State.RUNNING) + info.taskCount(Task.State.PENDING))
					.as("group %d (seed %d): no task left running", g, seed).isZero();
				int failed = 0;
				for (Task<Object> task : tasks) {
					boolean ranByOwner = ((TaskInfo) task).ranByWaiter();
					if (task.state() == Task.State.FAILED) {
						failed++;
						assertThat(ranByOwner).as("group %d (seed %d): only the owner's interrupt fails a task", g, seed)
							.isTrue();
						assertThat(task.exceptionNow()).as("group %d (seed %d)", g, seed).isSameAs(ex.getCause());
					}
					else {
						assertThat(task.state()).as("group %d (seed %d)", g, seed).isEqualTo(Task.State.CANCELLED);
					}
					helped += ranByOwner ? 1 : 0;
				}
				assertThat(failed).as("group %d (seed %d): failed tasks", g, seed).isLessThanOrEqualTo(1);
			}
		}
		finally {
			delays.offer(-1, 10, SECONDS);
			interrupter.join(TimeUnit.SECONDS.toMillis(10));
			Thread.interrupted();
		}
		int ranByOwner = helped;
		LOG.log(System.Logger.Level.DEBUG, () -> String.format("S8 burst: %d groups, %d tasks run by the interrupted owner, seed %d",
				groups, ranByOwner, seed));
		this.books.assertBalanced(groups * 3, groups);
	}

}
