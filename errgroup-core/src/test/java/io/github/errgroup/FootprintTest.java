package io.github.errgroup;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What issue 15 made cheaper must still hold: the lists that forget ended entries lazily (the factory's
 * open groups, a context's {@code onCancel} callbacks) still find every live one and stay about as long
 * as the live ones; a group found through its parent's link is still found once the parent is gone;
 * and the fields that were merged keep their meaning.
 */
class FootprintTest {

	private final ExecutorService pool = Pools.fixed(4, "footprint");

	private final ErrGroupFactory factory = ErrGroupFactory.create(this.pool);

	@AfterEach
	void shutdown() {
		this.factory.close();
		this.pool.shutdownNow();
	}

	private List<String> openNames() {
		List<String> names = new ArrayList<>();
		for (GroupInfo group : this.factory.openGroups()) {
			names.add(group.name());
		}
		return names;
	}

	/** S28, S37: nested groups, which the factory finds through their parents' links, are listed, parents first. */
	@Test
	void S28_openGroups_listsNestedGroupsThroughTheirParents_oldestFirst() throws Exception {
		CountDownLatch opened = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		ErrGroup root = this.factory.newGroup("root");
		root.go(() -> {
			try (ErrGroup child = this.factory.newGroup("child")) {
				child.go(() -> {
					try (ErrGroup grandchild = this.factory.newGroup("grandchild")) {
						grandchild.go(() -> {
							opened.countDown();
							release.await();
							return 1;
						});
						grandchild.await();
					}
					return 1;
				});
				child.await();
			}
			return 1;
		});
		assertThat(opened.await(10, TimeUnit.SECONDS)).isTrue();
		assertThat(openNames()).containsExactly("root", "child", "grandchild");
		assertThat(((Group) root).linked()).isEqualTo(1);
		release.countDown();
		root.await();
		assertThat(this.factory.openGroups()).isEmpty();
	}

	/**
	 * S14 with S28 and S23: a child whose parent finished first (the child was handed to a future and
	 * its task is shielded) is still listed, so the leak check and the endpoint see it and
	 * {@code close()} still reaches it, however many groups open and end after its parent.
	 */
	@Test
	void S14_childThatOutlivesItsParent_isStillListed_afterTheFactoryForgotTheParent() throws Exception {
		CountDownLatch shielded = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		AtomicReference<CompletableFuture<Void>> childDone = new AtomicReference<>();
		ErrGroup parent = this.factory.newGroup("parent");
		parent.go(() -> {
			ErrGroup child = this.factory.newGroup("outliving-child");
			child.go(() -> {
				try (GroupContext.Shield shield = GroupContext.shield()) {
					shielded.countDown();
					Pools.awaitIgnoringInterrupts(release);
				}
				return 1;
			});
			childDone.set(child.awaitAsync());
			assertThat(shielded.await(10, TimeUnit.SECONDS)).isTrue();
			return 1;
		});
		parent.await(); // S5 cancels the parent, whose link cancels the child: the child is on its own now
		for (int i = 0; i < 500; i++) { // enough openings for the factory's list to forget the parent
			this.factory.newGroup("filler").await();
		}
		assertThat(openNames()).containsExactly("outliving-child");
		GroupInfo child = this.factory.openGroups().get(0);
		assertThat(child.context().cause()).as("S14: the parent's cause").isSameAs(parent.context().cause());
		release.countDown();
		childDone.get().handle((ok, failure) -> null).get(10, TimeUnit.SECONDS);
		assertThat(this.factory.openGroups()).isEmpty();
	}

	/** The factory's list forgets finished groups: it holds about as many as are open, not every one ever opened. */
	@Test
	void S28_factoryList_staysAboutAsLongAsTheOpenGroups() {
		ErrGroup open = this.factory.newGroup("still-open");
		for (int i = 0; i < 10_000; i++) {
			try (ErrGroup group = this.factory.newGroup("short")) {
				group.go(() -> 1);
				group.await();
			}
		}
		assertThat(this.factory.listedGroups()).isLessThanOrEqualTo(100);
		assertThat(openNames()).containsExactly("still-open");
		open.await();
	}

	/**
	 * S3, S5 and the {@code onCancel} contract: on a long-lived context, closed registrations are
	 * forgotten (the list stays about as long as the live ones), and the cancellation runs each live
	 * callback once and no closed one.
	 */
	@Test
	void S3_onCancel_closedRegistrationsAreForgotten_liveOnesRunOnce() {
		CancellationScope scope = CancellationScope.open("long-lived");
		CancelContext context = (CancelContext) scope.context();
		AtomicInteger closedRan = new AtomicInteger();
		AtomicInteger liveRan = new AtomicInteger();
		List<GroupContext.Registration> live = new ArrayList<>();
		for (int i = 0; i < 10_000; i++) {
			GroupContext.Registration registration = context.onCancel(closedRan::incrementAndGet);
			if (i % 2_000 == 0) {
				live.add(context.onCancel(liveRan::incrementAndGet));
			}
			registration.close();
		}
		assertThat(context.linkedCallbacks()).isLessThanOrEqualTo(100);
		scope.cancel(new IllegalStateException("cancelled by the test"));
		assertThat(liveRan).hasValue(live.size());
		assertThat(closedRan).hasValue(0);
		scope.cancel(new IllegalStateException("again"));
		assertThat(liveRan).as("once").hasValue(live.size());
	}

	/** S16: a decorator that runs the task twice does not change the outcome the first run gave. */
	@Test
	void S16_decoratorRunningTheBodyTwice_firstOutcomeStands() {
		ErrGroupFactory twice = ErrGroupFactory.builder().executor(this.pool).taskDecorator(runnable -> () -> {
			runnable.run();
			runnable.run();
		}).build();
		AtomicInteger runs = new AtomicInteger();
		Task<Integer> task;
		try (ErrGroup group = twice.newGroup("twice")) {
			task = group.go(runs::incrementAndGet);
			group.await();
		}
		assertThat(runs).hasValue(2);
		assertThat(task.resultNow()).isEqualTo(1);
		assertThat(((TaskInfo) task).exception()).isEmpty();
	}

	/**
	 * S1, S2, S4: successes are no longer counted but derived from the indexes handed out; the final
	 * counts are still exact, with tasks that failed, were dropped pending, were born cancelled, and
	 * indexes handed to tasks that never were (a decorator that threw, a refused go).
	 */
	@Test
	void S1_finalCounts_areExact_withEveryKindOfEnd() throws Exception {
		AtomicInteger decorations = new AtomicInteger();
		ErrGroupFactory flaky = ErrGroupFactory.builder().executor(this.pool).taskDecorator(runnable -> {
			if (decorations.incrementAndGet() == 2) {
				throw new IllegalStateException("the decorator fails once");
			}
			return runnable;
		}).build();
		CountDownLatch started = new CountDownLatch(1);
		ErrGroup group = flaky.group("counts").limit(1).open();
		group.go(() -> 1); // succeeds
		org.assertj.core.api.Assertions.assertThatThrownBy(() -> group.go(() -> 2))
			.hasMessageContaining("the decorator fails once"); // an index, never a task
		group.go(() -> 3); // succeeds
		group.go(() -> {
			started.countDown();
			throw new IllegalStateException("boom"); // fails, cancels the group
		});
		assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
		group.go(() -> 5); // the group is cancelled by now or soon: dropped or born cancelled
		org.assertj.core.api.Assertions.catchThrowable(group::await);
		GroupInfo info = (GroupInfo) group;
		assertThat(info.taskCount(Task.State.SUCCESS)).isEqualTo(2);
		assertThat(info.taskCount(Task.State.FAILED)).isEqualTo(1);
		assertThat(info.taskCount(Task.State.CANCELLED)).isEqualTo(1);
		org.assertj.core.api.Assertions.assertThatThrownBy(() -> group.go(() -> 6)).isInstanceOf(IllegalStateException.class);
		assertThat(info.taskCount(Task.State.SUCCESS)).as("a refused go is no success").isEqualTo(2);
	}

	/** GroupInfo.openedAt(), now read when first asked for on the system clock: still the opening time. */
	@Test
	void openedAt_onTheSystemClock_isWhenTheGroupOpened() throws Exception {
		Instant before = Instant.now();
		ErrGroup group = this.factory.newGroup("when");
		Instant after = Instant.now();
		Thread.sleep(50); // the read comes later; it must still say when the group opened
		Instant openedAt = ((GroupInfo) group).openedAt();
		// A millisecond either way for the two clocks' reading; far below the 50 ms the read came later.
		assertThat(openedAt).isBetween(before.minusMillis(1), after.plusMillis(1));
		assertThat(((GroupInfo) group).openedAt()).as("read once, then fixed").isEqualTo(openedAt);
		group.await();
	}

}
