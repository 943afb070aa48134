package io.github.errgroup;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * S32, the shield: inside a region the group's cancellation sets the flag, the cause and runs the
 * callbacks, but its interrupt waits for the region's end. Each rule on platform and virtual threads
 * (Java 21+), and with the task run by a pool thread and by the thread waiting for the group (S15).
 */
@Timeout(value = 30, unit = SECONDS)
class ShieldTest {

	enum Threads {

		PLATFORM, VIRTUAL;

		ExecutorService pool(int platformThreads) throws ReflectiveOperationException {
			if (this == PLATFORM) {
				return Pools.fixed(platformThreads, "shield");
			}
			assumeTrue(Runtime.version().feature() >= 21, "virtual threads need Java 21+");
			// source level 17: reach the Java 21 method by reflection
			return (ExecutorService) Executors.class.getMethod("newVirtualThreadPerTaskExecutor").invoke(null);
		}

	}

	private static final Executor REJECTS_EVERYTHING = r -> {
		throw new RejectedExecutionException("this executor rejects everything: the waiter runs every task");
	};

	private final List<ExecutorService> executors = new ArrayList<>();

	/** Latches a test opens at the end, so that no task outlives it even when an assertion fails. */
	private final List<CountDownLatch> releaseOnExit = new ArrayList<>();

	@AfterEach
	void shutdown() {
		this.releaseOnExit.forEach(CountDownLatch::countDown);
		this.executors.forEach(ExecutorService::shutdownNow);
		Thread.interrupted(); // never leak an interrupt to the next test
	}

	private ExecutorService pool(Threads threads) throws ReflectiveOperationException {
		return pool(threads, 2);
	}

	private ExecutorService pool(Threads threads, int platformThreads) throws ReflectiveOperationException {
		ExecutorService pool = threads.pool(platformThreads);
		this.executors.add(pool);
		return pool;
	}

	private CountDownLatch releasedOnExit() {
		CountDownLatch latch = new CountDownLatch(1);
		this.releaseOnExit.add(latch);
		return latch;
	}

	/** What a task saw of its interrupt flag inside and after its region. */
	static final class Seen {

		volatile Boolean interruptedInside;

		volatile Boolean interruptedAfter;

		volatile Throwable thrownInside;

		void assertHeldBackUntilTheRegionEnded() {
			assertThat(this.thrownInside).as("interrupted inside the region").isNull();
			assertThat(this.interruptedInside).as("interrupt flag inside the region").isFalse();
			assertThat(this.interruptedAfter).as("interrupt flag once the region ended").isTrue();
		}

	}

	/**
	 * The body of the main scenario: signals that it is in the region, waits there (interruptibly) for
	 * {@code release}, closes the region, and ends on the interrupt the region held back.
	 */
	private static GroupTask<Object> shieldedUntil(CountDownLatch inRegion, CountDownLatch release, Seen seen) {
		return ctx -> {
			try (GroupContext.Shield shield = GroupContext.shield()) {
				inRegion.countDown();
				try {
					release.await();
				}
				catch (InterruptedException ex) {
					seen.thrownInside = ex;
				}
				seen.interruptedInside = Thread.currentThread().isInterrupted();
			}
			seen.interruptedAfter = Thread.currentThread().isInterrupted();
			Thread.sleep(10_000); // the delivered interrupt ends it
			throw new AssertionError("the interrupt held back by the region never came");
		};
	}

	@ParameterizedTest
	@EnumSource(Threads.class)
	void S32_cancelDuringTheRegion_flagCauseAndCallbacksAtOnce_theInterruptWhenTheRegionEnds(Threads threads)
			throws Exception {
		ErrGroup group = ErrGroupFactory.create(pool(threads)).newGroup("s32");
		CountDownLatch inRegion = new CountDownLatch(1);
		CountDownLatch release = releasedOnExit();
		// The way to stop shielded work: from a callback, as the JDBC hook cancels a statement.
		group.context().onCancel(release::countDown);
		Seen seen = new Seen();
		Task<Object> task = group.go(shieldedUntil(inRegion, release, seen));
		assertThat(inRegion.await(10, SECONDS)).isTrue();
		CancellationException cause = new CancellationException("cancelled by the test");

		group.cancel(cause);

		assertThat(group.context().isCancelled()).isTrue();
		assertThat(group.context().cause()).isSameAs(cause);
		ErrGroupException ex = catchThrowableOfType(ErrGroupException.class, group::await);
		assertThat(ex.getCause()).isSameAs(cause);
		seen.assertHeldBackUntilTheRegionEnded();
		assertThat(task.state()).isEqualTo(Task.State.CANCELLED);
	}

	@ParameterizedTest
	@EnumSource(Threads.class)
	void S32_S15_aTaskTheWaiterRuns_isShieldedAlike_andTheInterruptDoesNotOutliveIt(Threads threads) throws Exception {
		ExecutorService owners = pool(threads); // the owner's thread kind
		ErrGroup group = ErrGroupFactory.create(REJECTS_EVERYTHING).newGroup("s32-waiter");
		CountDownLatch inRegion = new CountDownLatch(1);
		CountDownLatch release = releasedOnExit();
		group.context().onCancel(release::countDown);
		Seen seen = new Seen();
		Task<Object> task = group.go(shieldedUntil(inRegion, release, seen));
		Future<Object[]> owner = owners.submit(() -> {
			ErrGroupException ex = catchThrowableOfType(ErrGroupException.class, group::await);
			return new Object[] { ex, Thread.currentThread().isInterrupted() };
		});
		assertThat(inRegion.await(10, SECONDS)).isTrue();
		CancellationException cause = new CancellationException("cancelled by the test");

		group.cancel(cause);

		Object[] outcome = owner.get(10, SECONDS);
		assertThat(((TaskInfo) task).ranByWaiter()).isTrue();
		assertThat(((ErrGroupException) outcome[0]).getCause()).isSameAs(cause);
		assertThat(outcome[1]).as("the owner's flag after await: the task's interrupt ended with it").isEqualTo(false);
		seen.assertHeldBackUntilTheRegionEnded();
		assertThat(task.state()).isEqualTo(Task.State.CANCELLED);
	}

	/**
	 * S32 with S14 and S15: a parent's task awaiting its child group runs the child's task on its own
	 * thread, and that task is in a region when the parent is cancelled. The parent's cancellation
	 * interrupts the parent's tasks before it reaches the child: the region holds back that interrupt
	 * too, as it holds back its own group's.
	 */
	@ParameterizedTest
	@EnumSource(Threads.class)
	void S32_S15_aChildsTaskRunByItsParentsTask_isNotInterruptedInItsRegionByTheParentsCancellation(Threads threads)
			throws Exception {
		ExecutorService owners = pool(threads);
		ErrGroupFactory factory = ErrGroupFactory.create(REJECTS_EVERYTHING); // every task runs on its awaiter
		ErrGroup parent = factory.newGroup("parent");
		CountDownLatch inRegion = new CountDownLatch(1);
		CountDownLatch release = releasedOnExit();
		Seen seen = new Seen();
		AtomicReference<Task<Object>> child = new AtomicReference<>();
		parent.go(() -> {
			ErrGroup children = factory.newGroup("child");
			children.context().onCancel(release::countDown);
			child.set(children.go(shieldedUntil(inRegion, release, seen)));
			children.await();
			return 1;
		});
		Future<Throwable> owner = owners.submit(() -> catchThrowableOfType(ErrGroupException.class, parent::await));
		assertThat(inRegion.await(10, SECONDS)).isTrue();
		CancellationException cause = new CancellationException("cancelled by the test");

		parent.cancel(cause);

		assertThat(owner.get(10, SECONDS)).isNotNull().hasCauseReference(cause);
		seen.assertHeldBackUntilTheRegionEnded();
		assertThat(child.get().state()).isEqualTo(Task.State.CANCELLED);
	}

	@ParameterizedTest
	@EnumSource(Threads.class)
	void S32_cancelBeforeTheRegion_itsInterruptIsClearedAtTheStart_andDeliveredAtTheEnd(Threads threads) throws Exception {
		ErrGroup group = ErrGroupFactory.create(pool(threads)).newGroup("s32-before");
		CountDownLatch started = new CountDownLatch(1);
		CountDownLatch cancelled = new CountDownLatch(1);
		group.context().onCancel(cancelled::countDown);
		Seen seen = new Seen();
		Task<Object> task = group.go(() -> {
			started.countDown();
			Pools.awaitIgnoringInterrupts(cancelled); // keeps the cancellation's interrupt set
			boolean interruptedBefore = Thread.currentThread().isInterrupted();
			try (GroupContext.Shield shield = GroupContext.shield()) {
				seen.interruptedInside = Thread.currentThread().isInterrupted();
				try {
					Thread.sleep(1); // would throw at once if the interrupt were still set
				}
				catch (InterruptedException ex) {
					seen.thrownInside = ex;
				}
			}
			seen.interruptedAfter = Thread.currentThread().isInterrupted();
			return interruptedBefore;
		});
		assertThat(started.await(10, SECONDS)).isTrue();

		group.cancel();

		assertThatThrownBy(group::await).isInstanceOf(ErrGroupException.class);
		assertThat(task.resultNow()).as("the task was interrupted before its region").isEqualTo(true);
		seen.assertHeldBackUntilTheRegionEnded();
	}

	@ParameterizedTest
	@EnumSource(Threads.class)
	void S32_anInterruptFromElsewhere_isNotHeldBack_norSwallowed(Threads threads) throws Exception {
		ErrGroup group = ErrGroupFactory.create(pool(threads)).newGroup("s32-elsewhere");
		CountDownLatch inRegion = new CountDownLatch(1);
		CountDownLatch never = releasedOnExit();
		AtomicReference<Thread> runner = new AtomicReference<>();
		Seen seen = new Seen();
		Task<Boolean> task = group.go(() -> {
			Thread.currentThread().interrupt(); // someone else's, set before the region
			try (GroupContext.Shield shield = GroupContext.shield()) {
				seen.interruptedInside = Thread.interrupted();
				runner.set(Thread.currentThread());
				inRegion.countDown();
				try {
					never.await();
				}
				catch (InterruptedException ex) {
					seen.thrownInside = ex; // someone else's, during the region
					Thread.currentThread().interrupt();
				}
			}
			seen.interruptedAfter = Thread.currentThread().isInterrupted();
			return Thread.interrupted();
		});
		assertThat(inRegion.await(10, SECONDS)).isTrue();

		runner.get().interrupt();

		group.await();
		assertThat(seen.interruptedInside).as("an interrupt set before the region stays set in it").isTrue();
		assertThat(seen.thrownInside).as("an interrupt sent during the region reaches it").isNotNull();
		assertThat(seen.interruptedAfter).isTrue();
		assertThat(task.resultNow()).isTrue();
		assertThat(group.context().cause()).as("no one cancelled the group before await").isInstanceOf(Group.Finished.class);
	}

	@ParameterizedTest
	@EnumSource(Threads.class)
	void S32_nestedRegions_onlyTheOutermostEndDeliversTheInterrupt(Threads threads) throws Exception {
		ErrGroup group = ErrGroupFactory.create(pool(threads)).newGroup("s32-nested");
		CountDownLatch inInner = new CountDownLatch(1);
		CountDownLatch cancelled = new CountDownLatch(1);
		group.context().onCancel(cancelled::countDown);
		boolean[] flags = new boolean[3];
		group.go(() -> {
			try (GroupContext.Shield outer = GroupContext.shield()) {
				try (GroupContext.Shield inner = GroupContext.shield()) {
					inInner.countDown();
					cancelled.await();
				}
				flags[0] = Thread.currentThread().isInterrupted();
				try (GroupContext.Shield again = GroupContext.shield()) {
					flags[1] = Thread.currentThread().isInterrupted();
				}
			}
			flags[2] = Thread.currentThread().isInterrupted();
			Thread.interrupted();
		});
		assertThat(inInner.await(10, SECONDS)).isTrue();

		group.cancel();

		assertThatThrownBy(group::await).isInstanceOf(ErrGroupException.class);
		assertThat(flags[0]).as("after the inner region").isFalse();
		assertThat(flags[1]).as("in a second inner region").isFalse();
		assertThat(flags[2]).as("after the outer region").isTrue();
	}

	@Test
	void S32_closingTwiceDoesNothing_closingOnAnotherThreadIsRefusedSayingWhy() throws Exception {
		ErrGroup group = ErrGroupFactory.create(pool(Threads.PLATFORM)).newGroup("s32-close");
		AtomicReference<Throwable> elsewhere = new AtomicReference<>();
		boolean[] flags = new boolean[2];
		group.go(() -> {
			GroupContext.Shield shield = GroupContext.shield();
			Thread other = new Thread(() -> {
				try {
					shield.close();
				}
				catch (Throwable ex) {
					elsewhere.set(ex);
				}
			});
			other.start();
			other.join();
			GroupContext.current().orElseThrow().onCancel(() -> { }); // still a task: nothing changed
			group.cancel(); // its own group: not interrupted, shielded or not
			shield.close();
			flags[0] = Thread.currentThread().isInterrupted();
			shield.close();
			flags[1] = Thread.currentThread().isInterrupted();
		});

		assertThatThrownBy(group::await).isInstanceOf(ErrGroupException.class);
		assertThat(elsewhere.get()).isInstanceOf(IllegalStateException.class)
			.hasMessageContaining("must be closed on the thread that opened it");
		assertThat(flags).containsExactly(false, false);
	}

	@ParameterizedTest
	@EnumSource(Threads.class)
	void S32_S10_awaitAndCloseStillWaitForAShieldedTask(Threads threads) throws Exception {
		ErrGroup group = ErrGroupFactory.create(pool(threads)).newGroup("s32-s10");
		CountDownLatch inRegion = new CountDownLatch(1);
		CountDownLatch release = releasedOnExit();
		Task<Void> task = group.go(() -> {
			try (GroupContext.Shield shield = GroupContext.shield()) {
				inRegion.countDown();
				release.await(); // not released by the cancel: the region holds the task
			}
		});
		assertThat(inRegion.await(10, SECONDS)).isTrue();
		Thread closer = new Thread(group::close, "closer");
		closer.start();
		await(() -> group.context().isCancelled() && closer.getState() == Thread.State.WAITING);
		assertThat(closer.isAlive()).as("close() returned while a shielded task ran").isTrue();

		release.countDown();

		closer.join(SECONDS.toMillis(10));
		assertThat(closer.isAlive()).isFalse();
		assertThat(task.state()).as("a body that finished its shielded work and returned").isEqualTo(Task.State.SUCCESS);
	}

	/** Who runs the tasks: one pool thread, or the owner in await() (the executor rejects everything). */
	enum Runner {

		ONE_POOL_THREAD, WAITER

	}

	/**
	 * A region the body leaves open ends with the task. The next task on the same thread (the one
	 * pool thread, or the owner, which runs both groups' tasks) starts without the owed interrupt and
	 * unshielded, and the old region's late close does nothing to it. (A {@code ThreadPoolExecutor}
	 * clears a worker's flag between tasks itself; the owner's thread shows a leak.)
	 */
	@ParameterizedTest
	@EnumSource(Runner.class)
	void S32_S16_aRegionLeftOpen_endsWithItsTask_andNothingOfItReachesTheNextTaskOnTheThread(Runner runner)
			throws Exception {
		ErrGroupFactory factory = ErrGroupFactory
			.create((runner == Runner.WAITER) ? REJECTS_EVERYTHING : pool(Threads.PLATFORM, 1));
		ErrGroup first = factory.newGroup("left-open");
		AtomicReference<GroupContext.Shield> leaked = new AtomicReference<>();
		Task<Integer> leaking = first.go(() -> {
			leaked.set(GroupContext.shield()); // never closed by this task
			cancelFromAnotherThread(first); // owed, not delivered
			return 1;
		});
		endsOnThePoolThread(runner, leaking);
		assertThatThrownBy(first::await).isInstanceOf(ErrGroupException.class);
		assertThat(Thread.interrupted()).as("the owner's flag after the first await").isFalse();

		ErrGroup second = factory.newGroup("next");
		boolean[] flagAtStart = new boolean[1];
		Task<Object> next = second.go(() -> {
			flagAtStart[0] = Thread.currentThread().isInterrupted();
			leaked.get().close(); // the old region's late close, on the same thread: does nothing
			cancelFromAnotherThread(second);
			return Pools.blockUntilInterrupted(); // not shielded: the cancel has interrupted it
		});
		endsOnThePoolThread(runner, next);
		assertThatThrownBy(second::await).isInstanceOf(ErrGroupException.class);
		assertThat(Thread.interrupted()).as("the owner's flag after the second await").isFalse();
		assertThat(flagAtStart[0]).as("the owed interrupt reached the next task").isFalse();
		assertThat(next.state()).isEqualTo(Task.State.CANCELLED);
	}

	/** With a pool thread, waits for the task to end there, so that the owner in await cannot claim it. */
	private static void endsOnThePoolThread(Runner runner, Task<?> task) {
		if (runner == Runner.ONE_POOL_THREAD) {
			await(() -> task.state().isFinal());
		}
	}

	/** Cancels the group on another thread and waits for it, ignoring the interrupt it may send. */
	private static void cancelFromAnotherThread(ErrGroup group) {
		Thread canceller = new Thread(group::cancel, "canceller");
		canceller.start();
		boolean interrupted = false;
		for (;;) {
			try {
				canceller.join();
				break;
			}
			catch (InterruptedException ex) {
				interrupted = true;
			}
		}
		if (interrupted) {
			Thread.currentThread().interrupt();
		}
	}

	@Test
	void S32_S17_outsideATask_theShieldDoesNothing_andOfCurrentTaskIsEmpty() throws Exception {
		assertThat(GroupContext.ofCurrentTask()).isEmpty();
		CancellationScope scope = CancellationScope.open("request");
		try (CancellationScope.Binding bound = scope.bind(); GroupContext.Shield shield = GroupContext.shield()) {
			assertThat(GroupContext.current()).as("a scope is current").containsSame(scope.context());
			assertThat(GroupContext.ofCurrentTask()).as("but no task runs here").isEmpty();
			scope.cancel(new CancellationException("the request ended"));
		}
		assertThat(Thread.interrupted()).as("a no-op shield delivers nothing").isFalse();
		ErrGroup group = ErrGroupFactory.create(pool(Threads.PLATFORM)).newGroup("s17");
		Task<Object> seen = group.go(() -> GroupContext.ofCurrentTask().orElseThrow());
		group.await();
		assertThat(seen.resultNow()).isSameAs(group.context());
	}

	private static void await(Callable<Boolean> condition) {
		org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(condition);
	}

}
