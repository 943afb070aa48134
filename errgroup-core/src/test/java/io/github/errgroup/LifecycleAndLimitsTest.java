package io.github.errgroup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Lifecycle, limits, deadlines and trees: SPEC rules S9 to S14. */
class LifecycleAndLimitsTest {

	private final ExecutorService pool = Pools.fixed(8, "lifecycle");

	private final List<GroupInfo> closed = new CopyOnWriteArrayList<>();

	private final ErrGroupFactory factory = ErrGroupFactory.builder()
		.executor(this.pool)
		.listener(new GroupListener() {
			@Override
			public void groupClosed(GroupInfo group) {
				LifecycleAndLimitsTest.this.closed.add(group);
			}
		})
		.build();

	@AfterEach
	void shutdown() {
		this.pool.shutdownNow();
	}

	@Test
	void S9_goAfterAwaitOrCloseIsRefusedWithAReason() {
		ErrGroup awaited = this.factory.newGroup("s9");
		awaited.await();
		assertThatThrownBy(() -> awaited.go(() -> 1)).isInstanceOf(IllegalStateException.class)
			.hasMessageContaining("s9")
			.hasMessageContaining("already awaited")
			.hasMessageContaining("used once");
		assertThatThrownBy(() -> awaited.tryGo(() -> 1)).isInstanceOf(IllegalStateException.class);

		ErrGroup closedGroup = this.factory.newGroup("s9-closed");
		closedGroup.close();
		assertThatThrownBy(() -> closedGroup.go(() -> { })).isInstanceOf(IllegalStateException.class)
			.hasMessageContaining("closed");
	}

	@Test
	void S9_aSecondAwaitGivesTheSameOutcome() {
		RuntimeException boom = new RuntimeException("boom");
		ErrGroup group = this.factory.newGroup("s9");
		group.go(() -> {
			throw boom;
		});
		ErrGroupException first = catchThrowableOfType(ErrGroupException.class, group::await);
		ErrGroupException second = catchThrowableOfType(ErrGroupException.class, group::await);
		assertThat(second.getCause()).isSameAs(first.getCause()).isSameAs(boom);
		assertThat(second.getSuppressed()).isEqualTo(first.getSuppressed());

		ErrGroup ok = this.factory.newGroup("s9-ok");
		ok.go(() -> 1);
		ok.await();
		ok.await();
	}

	@Test
	void S10_closeWithoutAwaitCancelsAndWaits_failuresReachTheListener() throws Exception {
		RuntimeException boom = new RuntimeException("boom");
		CountDownLatch started = new CountDownLatch(1);
		AtomicInteger interrupted = new AtomicInteger();
		Task<Object> blocked;
		Task<Object> failing;
		try (ErrGroup group = this.factory.newGroup("s10")) {
			blocked = group.go(() -> {
				started.countDown();
				try {
					return Pools.blockUntilInterrupted();
				}
				catch (InterruptedException ex) {
					interrupted.incrementAndGet();
					throw ex;
				}
			});
			started.await();
			CountDownLatch failed = new CountDownLatch(1);
			failing = group.go(() -> {
				failed.countDown();
				throw boom;
			});
			failed.await();
		} // no await(): an early return
		assertThat(blocked.state()).as("no task outlives the block").isEqualTo(Task.State.CANCELLED);
		assertThat(failing.state()).isIn(Task.State.FAILED, Task.State.CANCELLED);
		assertThat(interrupted).hasValue(1);
		assertThat(this.closed).hasSize(1);
		GroupInfo info = this.closed.get(0);
		assertThat(info.state()).isEqualTo(GroupInfo.State.CLOSED);
		if (failing.state() == Task.State.FAILED) {
			ErrGroupException failure = info.failure().orElseThrow();
			assertThat(failure.getCause() == boom || List.of(failure.getSuppressed()).contains(boom))
				.as("the failure is reported, as cause or suppressed: %s", failure)
				.isTrue();
		}
	}

	@Test
	void S10_closeWithoutAwaitCancelsRunningTasksAndWaitsForThem() throws Exception {
		CountDownLatch started = new CountDownLatch(1);
		Task<Object> blocked;
		ErrGroup group = this.factory.newGroup("s10");
		try (group) {
			blocked = group.go(() -> {
				started.countDown();
				return Pools.blockUntilInterrupted();
			});
			started.await();
		}
		assertThat(blocked.state()).isEqualTo(Task.State.CANCELLED);
		assertThat(group.context().cause()).isInstanceOf(CancellationException.class)
			.hasMessageContaining("closed before await()");
		assertThat(this.closed).extracting(GroupInfo::state).containsExactly(GroupInfo.State.CLOSED);
	}

	@Test
	void S10_closeAfterAwaitAsyncLeavesTheGroupToItsFuture() throws Exception {
		CountDownLatch release = new CountDownLatch(1);
		java.util.concurrent.CompletableFuture<Void> outcome;
		ErrGroup group = this.factory.newGroup("async");
		try (group) {
			group.go(() -> release.await());
			outcome = group.awaitAsync();
		}
		assertThat(group.context().isCancelled()).as("close() must not cancel what awaitAsync() owns").isFalse();
		release.countDown();
		outcome.get(10, TimeUnit.SECONDS);
		assertThat(this.closed).extracting(GroupInfo::state).containsExactly(GroupInfo.State.AWAITED);
	}

	@Test
	void S10_closeAfterAwaitDoesNothing() {
		AtomicInteger callbacks = new AtomicInteger();
		ErrGroup group = this.factory.newGroup("s10");
		group.context().onCancel(callbacks::incrementAndGet);
		group.go(() -> 1);
		group.await();
		group.close();
		group.close();
		assertThat(callbacks).hasValue(1);
		assertThat(this.closed).hasSize(1);
		assertThat(this.closed.get(0).state()).isEqualTo(GroupInfo.State.AWAITED);
		assertThat(this.closed.get(0).failure()).isEmpty();
	}

	@Test
	void S11_tasksMaySpawnSiblingsIntoTheirOwnGroup() {
		AtomicInteger ran = new AtomicInteger();
		ErrGroup group = this.factory.newGroup("s11");
		group.go(() -> spawnTree(group, 4, ran));
		group.await();
		assertThat(ran).hasValue(1 + 2 + 4 + 8 + 16);
	}

	private static Void spawnTree(ErrGroup group, int depth, AtomicInteger ran) {
		ran.incrementAndGet();
		if (depth > 0) {
			group.go(() -> spawnTree(group, depth - 1, ran));
			group.go(() -> spawnTree(group, depth - 1, ran));
		}
		return null;
	}

	@Test
	void S12_limitBoundsTasksRunningAtOnce() {
		AtomicInteger running = new AtomicInteger();
		AtomicInteger most = new AtomicInteger();
		ErrGroup group = this.factory.group("s12").limit(3).open();
		for (int i = 0; i < 40; i++) {
			group.go(() -> {
				int now = running.incrementAndGet();
				most.accumulateAndGet(now, Math::max);
				Thread.yield();
				running.decrementAndGet();
			});
		}
		group.await();
		assertThat(most.get()).isBetween(1, 3);
	}

	/**
	 * S12 with Go's streaming idiom ({@code for item := range items { g.Go(...) }} under SetLimit): a
	 * group fed 20,000 tasks keeps only about as many as are unfinished, not every task it ever ran,
	 * and its counts still add up.
	 */
	@Test
	void S12_aLongLivedLimitedGroupHoldsOnlyItsUnfinishedTasks() {
		Group group = (Group) this.factory.group("stream").limit(4).open();
		int most = 0;
		for (int i = 0; i < 20_000; i++) {
			group.go(() -> new byte[64]);
			most = Math.max(most, group.linkedTasks());
		}
		group.await();
		assertThat(most).as("tasks the group linked at most while streaming 20,000").isLessThan(200);
		assertThat(group.taskCount(Task.State.SUCCESS)).isEqualTo(20_000);
	}

	@Test
	void S12_tryGoNeverBlocks_emptyWhenNoSlotIsFree() throws Exception {
		CountDownLatch release = new CountDownLatch(1);
		CyclicBarrier both = new CyclicBarrier(3);
		ErrGroup group = this.factory.group("s12").limit(2).open();
		for (int i = 0; i < 2; i++) {
			assertThat(group.tryGo(() -> {
				both.await();
				release.await();
				return 1;
			})).isPresent();
		}
		both.await(10, TimeUnit.SECONDS);
		assertThat(group.tryGo(() -> 3)).isEmpty();
		assertThat(group.tryGo(ctx -> 3)).isEmpty();
		assertThat(group.tryGo(() -> { })).isEmpty();
		release.countDown();
		group.await();
	}

	@Test
	void S12_limitMustBeAtLeastOne() {
		GroupSpec spec = this.factory.group("s12");
		assertThatThrownBy(() -> spec.limit(0)).isInstanceOf(IllegalArgumentException.class)
			.hasMessageContaining("at least 1")
			.hasMessageContaining("was 0");
		assertThatThrownBy(() -> spec.limit(-3)).isInstanceOf(IllegalArgumentException.class)
			.hasMessageContaining("-3");
	}

	@Test
	void S13_aDeadlineCancelsWithTimeoutException() {
		ErrGroup group = this.factory.group("s13").timeout(Duration.ofMillis(100)).open();
		assertThat(group.context().deadline()).isPresent();
		Task<Object> blocked = group.go(Pools::blockUntilInterrupted);
		long start = System.nanoTime();
		ErrGroupException ex = catchThrowableOfType(ErrGroupException.class, group::await);
		assertThat(ex.getCause()).isInstanceOf(TimeoutException.class).hasMessageContaining("s13");
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(20));
		assertThat(blocked.state()).isEqualTo(Task.State.CANCELLED);
	}

	@Test
	void S13_aTaskThatFailedFirstWinsOverTheDeadline() {
		RuntimeException boom = new RuntimeException("boom");
		ErrGroup group = this.factory.group("s13").timeout(Duration.ofSeconds(30)).open();
		group.go(() -> {
			throw boom;
		});
		assertThat(catchThrowableOfType(ErrGroupException.class, group::await).getCause()).isSameAs(boom);
	}

	@Test
	void S13_timeoutMustBePositive() {
		GroupSpec spec = this.factory.group("s13");
		assertThatThrownBy(() -> spec.timeout(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
			.hasMessageContaining("positive")
			.hasMessageContaining("PT0S");
		assertThatThrownBy(() -> spec.timeout(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class)
			.hasMessageContaining("PT-1S");
		assertThatThrownBy(() -> spec.timeout(null)).isInstanceOf(NullPointerException.class)
			.hasMessageContaining("timeout");
	}

	@Test
	void S13_anAbsurdTimeoutIsNoDeadlineInPractice() {
		ErrGroup group = this.factory.group("s13").timeout(Duration.ofSeconds(Long.MAX_VALUE)).open();
		assertThat(group.context().deadline()).as("the deadline saturates instead of overflowing").contains(Instant.MAX);
		Task<Boolean> cancelledInside = group.go(GroupContext::isCancelled);
		group.await();
		assertThat(cancelledInside.resultNow()).as("an overflowed timer fires at once").isFalse();
	}

	@Test
	void S14_aGroupOpenedInATaskIsAChild_cancellingTheParentCancelsItWithTheParentsCause() throws Exception {
		RuntimeException boom = new RuntimeException("boom");
		CountDownLatch childRunning = new CountDownLatch(1);
		ErrGroup parent = this.factory.newGroup("parent");
		Task<Object> childOutcome = parent.go(() -> {
			try (ErrGroup child = this.factory.newGroup("child")) {
				child.go(() -> {
					childRunning.countDown();
					return Pools.blockUntilInterrupted();
				});
				child.await();
				return null;
			}
		});
		childRunning.await();
		parent.cancel(boom);
		assertThatThrownBy(parent::await).cause().isSameAs(boom);
		assertThat(childOutcome.state())
			.as("the child's ErrGroupException carries the parent's cause, a consequence of the cancellation")
			.isEqualTo(Task.State.CANCELLED);
	}

	/**
	 * Found by closing a Spring context mid-fan-out: the parent's cancellation interrupts its tasks
	 * before it reaches its children, so a parent's task running a child's task as the child's waiter
	 * (S15) is interrupted while the child is not cancelled yet. The child must still get the
	 * parent's cause, not "the thread waiting for group 'child' was interrupted" (S8). A listener
	 * holds the canceller between the two steps until the child's task has ended, so that the order
	 * is the one that broke, every time.
	 */
	@Test
	void S14_S15_aChildWhoseTaskItsWaiterRuns_getsTheParentsCause_thoughTheParentInterruptsTheWaiterFirst()
			throws Exception {
		CountDownLatch childTaskEnded = new CountDownLatch(1);
		GroupListener holdTheCanceller = new GroupListener() {
			@Override
			public void taskFinished(TaskInfo task) {
				if (task.group().name().equals("child")) {
					childTaskEnded.countDown();
				}
				else if (task.group().name().equals("parent") && task.startedNanos() == 0) {
					// The parent's pending task, dropped after the interrupts, before the children.
					try {
						childTaskEnded.await(10, TimeUnit.SECONDS);
					}
					catch (InterruptedException ex) {
						Thread.currentThread().interrupt();
					}
				}
			}
		};
		ErrGroupFactory everyTaskOnItsWaiter = ErrGroupFactory.builder().executor((task) -> {
			throw new java.util.concurrent.RejectedExecutionException("every task runs on its waiter");
		}).listener(holdTheCanceller).build();
		RuntimeException boom = new RuntimeException("boom");
		CountDownLatch childRunning = new CountDownLatch(1);
		List<ErrGroup> child = new CopyOnWriteArrayList<>();
		ErrGroup parent = everyTaskOnItsWaiter.newGroup("parent");
		parent.go(() -> 1); // still pending when the parent is cancelled: the waiter runs the newest first
		parent.go(() -> {
			try (ErrGroup c = everyTaskOnItsWaiter.newGroup("child")) {
				child.add(c);
				c.go(() -> {
					childRunning.countDown();
					return Pools.blockUntilInterrupted();
				});
				c.await(); // runs the child's task on this thread
			}
		});
		Thread canceller = new Thread(() -> {
			try {
				childRunning.await();
				parent.cancel(boom);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}, "canceller");
		canceller.start();
		assertThatThrownBy(parent::await).cause().isSameAs(boom); // runs the parent's task on this thread
		canceller.join(TimeUnit.SECONDS.toMillis(30));
		assertThat(child.get(0).context().cause()).isSameAs(boom);
		assertThat(Thread.interrupted()).as("the parent's own await was not interrupted").isFalse();
	}

	@Test
	void S14_childCauseIsTheParentsCauseInstance() throws Exception {
		RuntimeException boom = new RuntimeException("boom");
		ErrGroup parent = this.factory.newGroup("parent");
		ErrGroup child = this.factory.group("child").parent(parent.context()).open();
		parent.cancel(boom);
		assertThat(child.context().cause()).isSameAs(boom);
		assertThatThrownBy(child::await).cause().isSameAs(boom);
		assertThatThrownBy(parent::await).cause().isSameAs(boom);
	}

	@Test
	void S14_aChildOfACancelledParentOpensCancelled() {
		ErrGroup parent = this.factory.newGroup("parent");
		parent.cancel();
		ErrGroup child = this.factory.group("child").parent(parent.context()).open();
		assertThat(child.context().isCancelled()).isTrue();
		assertThat(child.go(() -> 1).state()).isEqualTo(Task.State.CANCELLED);
		assertThatThrownBy(child::await).isInstanceOf(ErrGroupException.class);
		assertThatThrownBy(parent::await).isInstanceOf(ErrGroupException.class);
	}

	@Test
	void S14_theChildsDeadlineIsNeverLaterThanTheParents() {
		ErrGroup parent = this.factory.group("parent").timeout(Duration.ofSeconds(5)).open();
		ErrGroup later = this.factory.group("later").timeout(Duration.ofHours(1)).parent(parent.context()).open();
		ErrGroup earlier = this.factory.group("earlier")
			.timeout(Duration.ofSeconds(1))
			.parent(parent.context())
			.open();
		Instant parentDeadline = parent.context().deadline().orElseThrow();
		assertThat(later.context().deadline()).contains(parentDeadline);
		assertThat(earlier.context().deadline().orElseThrow()).isBefore(parentDeadline);
		ErrGroup inherits = this.factory.group("inherits").parent(parent.context()).open();
		assertThat(inherits.context().deadline()).contains(parentDeadline);
		for (ErrGroup g : List.of(later, earlier, inherits, parent)) {
			g.await();
		}
	}

	@Test
	void S14_theParentsDeadlineCancelsTheChildWithTheParentsTimeout() {
		ErrGroup parent = this.factory.group("parent").timeout(Duration.ofMillis(100)).open();
		ErrGroup child = this.factory.group("child").parent(parent.context()).open();
		child.go(Pools::blockUntilInterrupted);
		ErrGroupException ex = catchThrowableOfType(ErrGroupException.class, child::await);
		assertThat(ex.getCause()).isInstanceOf(TimeoutException.class).hasMessageContaining("parent");
		assertThatThrownBy(parent::await).hasCauseInstanceOf(TimeoutException.class);
	}

	@Test
	void S14_detachedOptsOut_evenOverAnExplicitParent() {
		ErrGroup parent = this.factory.group("parent").timeout(Duration.ofSeconds(5)).open();
		ErrGroup detached = this.factory.group("detached").parent(parent.context()).detached().open();
		parent.cancel();
		assertThat(detached.context().isCancelled()).isFalse();
		assertThat(detached.context().deadline()).isEmpty();
		assertThat(((GroupInfo) detached).parent()).isEmpty();
		detached.go(() -> 1);
		detached.await();
		assertThatThrownBy(parent::await).hasCauseInstanceOf(CancellationException.class);
	}

	@Test
	void S14_aDetachedGroupInsideATaskIsARoot() {
		ErrGroup parent = this.factory.newGroup("parent");
		Task<Optional<GroupInfo>> seen = parent.go(() -> {
			try (ErrGroup detached = this.factory.group("detached").detached().open()) {
				detached.await();
				return ((GroupInfo) detached).parentGroup();
			}
		});
		parent.await();
		assertThat(seen.resultNow()).isEmpty();
	}

}
