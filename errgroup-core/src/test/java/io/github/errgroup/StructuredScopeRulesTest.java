package io.github.errgroup;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.reflect.Field;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The rules of the JDK's {@code StructuredTaskScope} that hold for a group: one use (S9), close waits
 * for stragglers (S10), an interrupted owner (S8), deadlines (S13), and the stress matrix of tasks
 * started before and after the one that fails (S2, S3, S4), on platform and virtual threads.
 */
@Timeout(value = 30, unit = SECONDS)
class StructuredScopeRulesTest {

	private final List<ExecutorService> executors = new ArrayList<>();

	private final ExecutorService pool = track(Executors.newFixedThreadPool(4));

	private final ScheduledExecutorService watchdog = track(Executors.newSingleThreadScheduledExecutor());

	private final ErrGroupFactory factory = ErrGroupFactory.create(this.pool);

	/** Latches a test opens at the end, so that no task outlives it even when an assertion fails. */
	private final List<CountDownLatch> releaseOnExit = new ArrayList<>();

	@AfterEach
	void shutdownExecutors() {
		this.releaseOnExit.forEach(CountDownLatch::countDown);
		this.factory.close();
		this.executors.forEach(ExecutorService::shutdownNow);
		Thread.interrupted(); // never leak an interrupt to the next test
	}

	/** Awaitility polling fast: its default first poll comes after 100 ms. */
	private static ConditionFactory eventually() {
		return Awaitility.await().atMost(Duration.ofSeconds(10)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1));
	}

	private <E extends ExecutorService> E track(E executor) {
		this.executors.add(executor);
		return executor;
	}

	private CountDownLatch releasedOnExit() {
		CountDownLatch latch = new CountDownLatch(1);
		this.releaseOnExit.add(latch);
		return latch;
	}

	// ---- S9: a group is used once

	private static void assertRefused(ErrGroup g, String why) {
		List<Consumer<ErrGroup>> submits = List.of(
				group -> group.go(() -> 1),
				group -> group.go(() -> { }),
				group -> group.go(ctx -> 1),
				group -> group.tryGo(() -> 1),
				group -> group.tryGo(() -> { }),
				group -> group.tryGo(ctx -> 1));
		for (Consumer<ErrGroup> submit : submits) {
			assertThatThrownBy(() -> submit.accept(g)).isInstanceOf(IllegalStateException.class)
				.hasMessageContaining(g.name())
				.hasMessageContaining(why)
				.hasMessageContaining("used once");
		}
	}

	@Test
	void S9_goAndTryGoAfterAwait_areRefusedSayingWhy() {
		ErrGroup succeeded = this.factory.newGroup("succeeded");
		succeeded.go(() -> 1);
		succeeded.await();
		assertRefused(succeeded, "already awaited");

		ErrGroup failed = this.factory.newGroup("failed");
		failed.go(() -> {
			throw new IllegalStateException("boom");
		});
		assertThatThrownBy(failed::await).isInstanceOf(ErrGroupException.class);
		assertRefused(failed, "already awaited");
	}

	@Test
	void S9_goAndTryGoAfterClose_areRefusedSayingWhy() {
		ErrGroup closedEarly = this.factory.newGroup("closed-early");
		closedEarly.go(() -> 1);
		closedEarly.close();
		assertRefused(closedEarly, "closed");

		ErrGroup awaitedThenClosed = this.factory.newGroup("awaited-then-closed");
		awaitedThenClosed.await();
		awaitedThenClosed.close();
		assertThatThrownBy(() -> awaitedThenClosed.go(() -> 1)).isInstanceOf(IllegalStateException.class)
			.hasMessageContaining("used once");
	}

	@Test
	void S9_S2_secondAwait_givesTheSameOutcome() throws Exception {
		IllegalStateException boom = new IllegalStateException("boom");
		CountDownLatch started = new CountDownLatch(1);
		ErrGroup g = this.factory.newGroup("twice");
		g.go(() -> {
			started.countDown();
			try {
				new CountDownLatch(1).await();
			}
			catch (InterruptedException ex) {
				throw new IllegalArgumentException("clean-up failed too"); // a later real failure (S2)
			}
		});
		assertThat(started.await(10, SECONDS)).isTrue();
		g.go(() -> {
			throw boom;
		});

		Throwable first = catchThrowable(g::await);
		Throwable second = catchThrowable(g::await);

		assertThat(first).isInstanceOf(ErrGroupException.class).hasCauseReference(boom);
		assertThat(first.getSuppressed()).hasSize(1);
		assertThat(first.getSuppressed()[0]).isInstanceOf(IllegalArgumentException.class)
			.hasMessage("clean-up failed too");
		assertThat(second).isInstanceOf(ErrGroupException.class).hasCauseReference(boom);
		assertThat(second.getSuppressed()).containsExactly(first.getSuppressed()); // same instances
		Throwable async = catchThrowable(() -> g.awaitAsync().get(10, SECONDS));
		assertThat(async).isInstanceOf(ExecutionException.class);
		assertThat(async.getCause()).isInstanceOf(ErrGroupException.class).hasCauseReference(boom);

		ErrGroup ok = this.factory.newGroup("twice-ok");
		Task<Integer> one = ok.go(() -> 1);
		ok.await();
		ok.await();
		assertThat(one.resultNow()).isEqualTo(1);
	}

	// ---- S10: close waits for every task

	@Test
	void S10_close_waitsForAStragglerThatIgnoresTheFirstInterrupt() throws Exception {
		CountDownLatch started = new CountDownLatch(1);
		CountDownLatch interrupted = new CountDownLatch(1);
		CountDownLatch release = releasedOnExit();
		AtomicBoolean ended = new AtomicBoolean();
		ErrGroup g = this.factory.newGroup("straggler");
		Task<Void> straggler = g.go(() -> {
			started.countDown();
			try {
				new CountDownLatch(1).await();
			}
			catch (InterruptedException ex) {
				interrupted.countDown(); // ignores it and keeps going
			}
			Pools.awaitIgnoringInterrupts(release);
			ended.set(true);
		});
		assertThat(started.await(10, SECONDS)).isTrue();

		CompletableFuture<Boolean> endedWhenCloseReturned = new CompletableFuture<>();
		Thread closer = new Thread(() -> {
			g.close();
			endedWhenCloseReturned.complete(ended.get());
		}, "closer");
		closer.start();

		assertThat(interrupted.await(10, SECONDS)).as("close() cancels: the straggler is interrupted").isTrue();
		assertThat(g.context().cause()).isInstanceOf(CancellationException.class);
		// Not a timing assertion: close() must not return at all before the release below.
		assertThatThrownBy(() -> endedWhenCloseReturned.get(300, MILLISECONDS)).isInstanceOf(TimeoutException.class);
		assertThat(straggler.state()).isEqualTo(Task.State.RUNNING);

		release.countDown();
		assertThat(endedWhenCloseReturned.get(10, SECONDS)).as("the straggler had ended when close() returned")
			.isTrue();
		assertThat(straggler.state().isFinal()).isTrue();
	}

	@Test
	void S10_closeWithoutAwait_reportsTheFailureThroughTheListener() {
		AtomicReference<GroupInfo> closed = new AtomicReference<>();
		ErrGroupFactory listened = ErrGroupFactory.builder().executor(this.pool).listener(new GroupListener() {
			@Override
			public void groupClosed(GroupInfo group) {
				closed.set(group);
			}
		}).build();
		IllegalStateException boom = new IllegalStateException("nobody awaited me");
		ErrGroup g = listened.newGroup("unawaited");
		Task<Void> failing = g.go(() -> {
			throw boom;
		});
		eventually().until(() -> failing.state() == Task.State.FAILED);

		g.close();

		assertThat(closed.get()).isNotNull();
		assertThat(closed.get().state()).isEqualTo(GroupInfo.State.CLOSED);
		assertThat(closed.get().failure()).hasValueSatisfying(ex -> assertThat(ex).hasCauseReference(boom));
	}

	// ---- S8: an interrupted owner

	@Test
	void S8_interruptedAwait_cancelsWaitsForTheTasksThenThrowsWithTheFlagSet() throws Exception {
		CountDownLatch started = new CountDownLatch(1);
		CountDownLatch taskInterrupted = new CountDownLatch(1);
		CountDownLatch release = releasedOnExit();
		AtomicBoolean taskEnded = new AtomicBoolean();
		ErrGroup g = this.factory.newGroup("interrupted-owner");
		g.go(() -> {
			started.countDown();
			try {
				new CountDownLatch(1).await();
			}
			catch (InterruptedException ex) {
				taskInterrupted.countDown();
			}
			Pools.awaitIgnoringInterrupts(release); // a slow clean-up: await must wait for it
			taskEnded.set(true);
		});
		assertThat(started.await(10, SECONDS)).isTrue(); // runs on a pool thread, not on the owner

		CompletableFuture<Throwable> outcome = new CompletableFuture<>();
		AtomicBoolean flagSetAfterAwait = new AtomicBoolean();
		AtomicBoolean taskEndedWhenAwaitReturned = new AtomicBoolean();
		Thread owner = new Thread(() -> {
			try {
				g.await();
				outcome.complete(null);
			}
			catch (Throwable ex) {
				taskEndedWhenAwaitReturned.set(taskEnded.get());
				flagSetAfterAwait.set(Thread.currentThread().isInterrupted());
				outcome.complete(ex);
			}
		}, "owner");
		owner.start();
		eventually().until(() -> owner.getState() == Thread.State.WAITING);

		owner.interrupt();

		assertThat(taskInterrupted.await(10, SECONDS)).as("the owner's interrupt cancels the group").isTrue();
		assertThat(g.context().cause()).isInstanceOf(InterruptedException.class);
		assertThat(outcome).as("await returned before the task ended").isNotDone();
		release.countDown();
		Throwable thrown = outcome.get(10, SECONDS);
		assertThat(thrown).isInstanceOf(ErrGroupException.class).cause().isInstanceOf(InterruptedException.class);
		assertThat(taskEndedWhenAwaitReturned).isTrue();
		assertThat(flagSetAfterAwait).as("interrupt status set again").isTrue();
	}

	@Test
	void S8_awaitCalledWithTheInterruptFlagSet_cancelsAndThrowsWithTheFlagStillSet() throws Exception {
		CountDownLatch started = new CountDownLatch(1);
		ErrGroup g = this.factory.newGroup("pre-interrupted");
		Task<Void> blocked = g.go(() -> {
			started.countDown();
			new CountDownLatch(1).await();
		});
		assertThat(started.await(10, SECONDS)).isTrue();

		Thread.currentThread().interrupt();
		Throwable thrown;
		boolean flagSet;
		try {
			thrown = catchThrowable(g::await);
		}
		finally {
			flagSet = Thread.interrupted();
		}

		assertThat(thrown).isInstanceOf(ErrGroupException.class).cause().isInstanceOf(InterruptedException.class);
		assertThat(flagSet).isTrue();
		assertThat(blocked.state()).isEqualTo(Task.State.CANCELLED);
	}

	@Test
	void S8_S15_ownerInterruptedWhileRunningATaskItHelped_throwsWithTheFlagSet() throws Exception {
		// A one-thread pool kept busy, so that the owner runs the second task itself inside await().
		ExecutorService oneThread = track(Executors.newFixedThreadPool(1));
		ErrGroup g = ErrGroupFactory.create(oneThread).newGroup("interrupted-helper");
		CountDownLatch poolBusy = new CountDownLatch(1);
		CountDownLatch helpedStarted = new CountDownLatch(1);
		g.go(() -> {
			poolBusy.countDown();
			new CountDownLatch(1).await(); // until cancelled
		});
		assertThat(poolBusy.await(10, SECONDS)).isTrue();
		g.go(() -> {
			helpedStarted.countDown();
			new CountDownLatch(1).await(); // until interrupted
		});

		CompletableFuture<Throwable> outcome = new CompletableFuture<>();
		AtomicBoolean flagSetAfterAwait = new AtomicBoolean();
		Thread owner = new Thread(() -> {
			try {
				g.await();
				outcome.complete(null);
			}
			catch (Throwable ex) {
				flagSetAfterAwait.set(Thread.currentThread().isInterrupted());
				outcome.complete(ex);
			}
		}, "owner");
		owner.start();
		assertThat(helpedStarted.await(10, SECONDS)).isTrue(); // the owner is running it, inside await()

		owner.interrupt();

		Throwable thrown = outcome.get(10, SECONDS);
		assertThat(thrown).isInstanceOf(ErrGroupException.class).cause().isInstanceOf(InterruptedException.class);
		assertThat(flagSetAfterAwait).as("interrupt status set again").isTrue();
	}

	// ---- S13: deadlines

	@Test
	void S13_deadlineThatFires_cancelsWithTimeoutException() {
		ErrGroup g = this.factory.group("deadline").timeout(Duration.ofMillis(200)).open();
		assertThat(g.context().deadline()).isPresent();
		Task<Void> forever = g.go(() -> new CountDownLatch(1).await());
		long start = System.nanoTime();

		Throwable thrown = catchThrowable(g::await);

		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
		assertThat(thrown).isInstanceOf(ErrGroupException.class).cause().isInstanceOf(TimeoutException.class);
		assertThat(forever.state()).isEqualTo(Task.State.CANCELLED);
	}

	@Test
	void S13_deadlineThatDoesNotFire_tasksSucceedAndTheTimerIsGone() throws Exception {
		ScheduledThreadPoolExecutor timer = deadlineTimer();
		Set<Runnable> armedBefore = Set.copyOf(timer.getQueue());
		Instant openedAround = Instant.now();

		ErrGroup g = this.factory.group("no-deadline").timeout(Duration.ofSeconds(30)).open();

		List<Runnable> ours = timer.getQueue().stream().filter(r -> !armedBefore.contains(r)).collect(Collectors.toList());
		assertThat(ours).as("the group armed its deadline timer").isNotEmpty();
		assertThat(g.context().deadline()).hasValueSatisfying(d -> assertThat(d)
			.isBetween(openedAround.plusSeconds(29), openedAround.plusSeconds(40)));
		List<Task<Integer>> tasks = new ArrayList<>();
		for (int i = 0; i < 8; i++) {
			int n = i;
			tasks.add(g.go(() -> n * n));
		}
		g.await();

		assertThat(tasks).allSatisfy(t -> assertThat(t.state()).isEqualTo(Task.State.SUCCESS));
		assertThat(tasks.get(7).resultNow()).isEqualTo(49);
		assertThat(g.context().cause()).as("S5, not a timeout").isInstanceOf(CancellationException.class);
		assertThat(timer.getQueue()).as("the deadline timer was removed").doesNotContainAnyElementsOf(ours);
	}

	/** The engine's one timer thread ({@code Deadlines}), read by reflection to see timers come and go. */
	private static ScheduledThreadPoolExecutor deadlineTimer() throws ReflectiveOperationException {
		Field field = Class.forName("io.github.errgroup.Deadlines$Holder").getDeclaredField("TIMER");
		field.setAccessible(true);
		return (ScheduledThreadPoolExecutor) field.get(null);
	}

	// ---- the stress matrix: S2, S3, S4 on every kind of thread

	enum ExecutorKind {

		/**
		 * Too few threads for the tasks that block: see {@link #runCombination}. The failing task is
		 * started first and fails once every "before" task has been started.
		 */
		TWO_THREADS(false),

		/** Enough threads (with the awaiting one) for 15 blocked tasks and the failing one. */
		SIXTEEN_THREADS(true),

		/** One thread per task; Java 21+. */
		VIRTUAL_THREADS(true);

		final boolean everyTaskGetsAThread;

		ExecutorKind(boolean everyTaskGetsAThread) {
			this.everyTaskGetsAThread = everyTaskGetsAThread;
		}

		boolean available() {
			return this != VIRTUAL_THREADS || Runtime.version().feature() >= 21;
		}

		ExecutorService create() throws ReflectiveOperationException {
			switch (this) {
				case TWO_THREADS:
					return Executors.newFixedThreadPool(2);
				case SIXTEEN_THREADS:
					return Executors.newFixedThreadPool(16);
				default: // source level 17: reach the Java 21 method by reflection
					return (ExecutorService) Executors.class.getMethod("newVirtualThreadPerTaskExecutor").invoke(null);
			}
		}

	}

	static Stream<ExecutorKind> executorKinds() {
		return Stream.of(ExecutorKind.values());
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("executorKinds")
	@Timeout(value = 50, unit = SECONDS)
	@DisplayName("S2 S3 S4 stress matrix: 0-15 blocked tasks before and 0-15 after the failing one, each combination promptly cancelled")
	void S2_S3_S4_stressMatrix_failureCancelsEveryOtherTask(ExecutorKind kind) throws Exception {
		assumeTrue(kind.available(), "virtual threads need Java 21+");
		ErrGroupFactory matrixFactory = ErrGroupFactory.create(track(kind.create()));
		long start = System.nanoTime();

		for (int before = 0; before <= 15; before++) {
			for (int after = 0; after <= 15; after++) {
				runCombination(matrixFactory, kind, before, after);
			}
		}

		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(45));
	}

	/**
	 * One combination. With enough threads, tasks are started in the order of the matrix: {@code before}
	 * blocked tasks, the failing one, {@code after} blocked tasks.
	 * <p>On two threads that order deadlocks by construction once {@code before >= 3}: the two pool
	 * threads and the helping owner each take a blocked task, and nothing is left to run the failing
	 * one (Go has no such limit: goroutines are free). There, the failing task is started first and
	 * fails only once the {@code before} tasks have been started, so that the failure still cancels
	 * them while most are queued (S4) and one runs (S3); {@code after} tasks are started once the
	 * group is cancelled.
	 */
	private void runCombination(ErrGroupFactory factory, ExecutorKind kind, int before, int after)
			throws InterruptedException {
		String where = kind + " before=" + before + " after=" + after;
		RuntimeException boom = new RuntimeException("boom: " + where);
		ErrGroup g = factory.newGroup("matrix");
		ScheduledFuture<?> hung = this.watchdog.schedule(
				() -> g.cancel(new AssertionError(where + " did not finish within 10 s")), 10, SECONDS);
		List<Task<Void>> blocked = new ArrayList<>();
		AtomicInteger beforeBodiesRan = new AtomicInteger();
		List<AtomicBoolean> bornCancelledRan = new ArrayList<>();
		try {
			Task<Void> failing;
			if (kind.everyTaskGetsAThread) {
				for (int i = 0; i < before; i++) {
					blocked.add(goBlocked(g, beforeBodiesRan, bornCancelledRan, where));
				}
				failing = g.go(() -> {
					throw boom;
				});
				for (int i = 0; i < after; i++) {
					blocked.add(goBlocked(g, new AtomicInteger(), bornCancelledRan, where));
				}
			}
			else {
				CountDownLatch fire = new CountDownLatch(1);
				CountDownLatch cancelled = new CountDownLatch(1);
				g.context().onCancel(cancelled::countDown);
				failing = g.go(() -> {
					fire.await();
					throw boom;
				});
				for (int i = 0; i < before; i++) {
					blocked.add(goBlocked(g, beforeBodiesRan, bornCancelledRan, where));
				}
				fire.countDown();
				assertThat(cancelled.await(10, SECONDS)).as(where + ": the failure cancels the group").isTrue();
				for (int i = 0; i < after; i++) {
					blocked.add(goBlocked(g, new AtomicInteger(), bornCancelledRan, where));
				}
			}

			Throwable thrown = catchThrowable(g::await);

			assertThat(thrown).as(where).isInstanceOf(ErrGroupException.class).hasCauseReference(boom);
			assertThat(thrown.getSuppressed()).as(where + ": interrupted tasks are not failures").isEmpty();
			assertThat(failing.state()).as(where).isEqualTo(Task.State.FAILED);
			for (int i = 0; i < blocked.size(); i++) {
				assertThat(blocked.get(i).state()).as(where + ": blocked task %d", i).isEqualTo(Task.State.CANCELLED);
			}
			assertThat(bornCancelledRan).as(where + ": S4, a task started after the failure never runs")
				.noneMatch(AtomicBoolean::get);
			if (!kind.everyTaskGetsAThread) {
				// One pool thread ran the failing task; only the other one could start a task before it failed.
				assertThat(beforeBodiesRan.get()).as(where + ": S4, queued tasks never start once cancelled")
					.isLessThanOrEqualTo(1);
			}
		}
		finally {
			hung.cancel(false);
			g.close();
		}
	}

	/** Starts a task that blocks until cancellation interrupts it. */
	private static Task<Void> goBlocked(ErrGroup g, AtomicInteger bodiesRan, List<AtomicBoolean> bornCancelledRan,
			String where) {
		boolean cancelledBeforeGo = g.context().isCancelled();
		AtomicBoolean ran = new AtomicBoolean();
		Task<Void> task = g.go(ctx -> {
			ran.set(true);
			bodiesRan.incrementAndGet();
			if (ctx.isCancelled()) {
				throw new CancellationException("already cancelled"); // nothing to block for
			}
			new CountDownLatch(1).await(); // until interrupted
			return null;
		});
		if (cancelledBeforeGo) {
			assertThat(task.state()).as(where + ": S4, go() on a cancelled group").isEqualTo(Task.State.CANCELLED);
			bornCancelledRan.add(ran);
		}
		return task;
	}

}
