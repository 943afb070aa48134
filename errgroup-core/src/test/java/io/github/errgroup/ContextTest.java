package io.github.errgroup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

/** GroupContext, onCancel and CancellationScope: S3, S14, S17. */
class ContextTest {

	private final ExecutorService pool = Pools.fixed(2, "context");

	private final ErrGroupFactory factory = ErrGroupFactory.create(this.pool);

	@AfterEach
	void shutdown() {
		this.pool.shutdownNow();
	}

	/**
	 * The parent's canceller interrupts its running tasks before it runs its onCancel callbacks, the
	 * child's registration among them; a child awaited in one of those tasks hears the interrupt first.
	 * A callback registered on the parent before the child opened holds the canceller until the child is
	 * cancelled, so the interrupted waiter always comes first here.
	 */
	@Test
	void S14_S8_aChildAwaitedInTheParentsTask_endsWithTheParentsCause_whenTheInterruptComesBeforeThePropagation()
			throws Exception {
		ErrGroup parent = this.factory.newGroup("parent");
		CountDownLatch childCancelled = new CountDownLatch(1);
		AtomicReference<Throwable> childCause = new AtomicReference<>();
		parent.context().onCancel(() -> {
			try {
				childCancelled.await(10, TimeUnit.SECONDS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		});
		CountDownLatch childTaskRunning = new CountDownLatch(1);
		AtomicReference<Thread> awaiting = new AtomicReference<>();
		parent.go(() -> {
			awaiting.set(Thread.currentThread());
			try (ErrGroup child = this.factory.newGroup("child")) {
				child.context().onCancel(() -> {
					childCause.set(child.context().cause());
					childCancelled.countDown();
				});
				child.go(() -> {
					childTaskRunning.countDown();
					return Pools.blockUntilInterrupted();
				});
				childTaskRunning.await(); // on the other pool thread, so this thread sleeps in await()
				child.await();
			}
			return null;
		});
		assertThat(childTaskRunning.await(10, TimeUnit.SECONDS)).isTrue();
		long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
		while (awaiting.get() == null || awaiting.get().getState() != Thread.State.WAITING) { // asleep in child.await()
			assertThat(System.nanoTime()).as("the parent's task asleep in the child's await()").isLessThan(giveUp);
			Thread.onSpinWait();
		}
		CancellationException stop = new CancellationException("stop");
		parent.cancel(stop);
		assertThatThrownBy(parent::await).isInstanceOf(ErrGroupException.class).cause().isSameAs(stop);
		assertThat(childCause.get()).as("the child's cause: the parent's, not its waiter's interrupt").isSameAs(stop);
	}

	/**
	 * The factory's close cancels parents before their children, so each child ends with its parent's
	 * cause, as S14 says, and never fails a parent task before that parent is cancelled. Twenty pairs:
	 * an order that ignored parenthood would put some child first.
	 */
	@Test
	void S14_S23_theFactorysCloseCancelsParentsBeforeTheirChildren() {
		ErrGroupFactory closing = ErrGroupFactory.create(this.pool);
		List<ErrGroup[]> pairs = new ArrayList<>();
		for (int i = 0; i < 20; i++) {
			ErrGroup parent = closing.newGroup("parent-" + i);
			pairs.add(new ErrGroup[] { parent, closing.group("child-" + i).parent(parent.context()).open() });
		}
		closing.close("stop");
		for (ErrGroup[] pair : pairs) {
			assertThat(pair[1].context().cause()).as(pair[1].name()).isSameAs(pair[0].context().cause())
				.hasMessage("stop: group '" + pair[0].name() + "' was cancelled");
			pair[1].close();
			pair[0].close();
		}
	}

	@Test
	void S17_currentIsTheTasksGroupContextInsideATask_emptyElsewhere() {
		assertThat(GroupContext.current()).isEmpty();
		ErrGroup group = this.factory.newGroup("s17");
		Task<Optional<GroupContext>> onPool = group.go(GroupContext::current);
		Task<String> viaArgument = group.go(ctx -> ctx.groupName());
		group.await();
		assertThat(onPool.resultNow()).containsSame(group.context());
		assertThat(viaArgument.resultNow()).isEqualTo("s17");
		assertThat(GroupContext.current()).as("nothing left behind on the waiter").isEmpty();
	}

	@Test
	void S17_aTaskRunByTheWaiterSeesItsGroupAndTheWaiterIsRestoredAfterwards() {
		ErrGroupFactory rejecting = ErrGroupFactory.create(r -> {
			throw new java.util.concurrent.RejectedExecutionException("full");
		});
		ErrGroup outer = rejecting.newGroup("outer");
		Task<Object[]> seen = outer.go(() -> {
			GroupContext mine = GroupContext.current().orElseThrow();
			ErrGroup inner = rejecting.newGroup("inner");
			Task<Optional<GroupContext>> innerSeen = inner.go(GroupContext::current);
			inner.await(); // runs the inner task on this thread
			return new Object[] { mine, innerSeen.resultNow().orElseThrow(), GroupContext.current().orElseThrow(),
					inner.context() };
		});
		outer.await();
		Object[] result = seen.resultNow();
		assertThat(result[0]).isSameAs(outer.context());
		assertThat(result[1]).isSameAs(result[3]);
		assertThat(result[2]).as("the outer task's context is current again").isSameAs(outer.context());
		assertThat(GroupContext.current()).isEmpty();
	}

	@Test
	void S3_onCancelRunsOnceOnTheCancellingThread_removedCallbacksDoNotRun() {
		AtomicInteger kept = new AtomicInteger();
		AtomicInteger removed = new AtomicInteger();
		Thread[] ranOn = new Thread[1];
		ErrGroup group = this.factory.newGroup("s3");
		group.context().onCancel(() -> {
			kept.incrementAndGet();
			ranOn[0] = Thread.currentThread();
		});
		GroupContext.Registration registration = group.context().onCancel(removed::incrementAndGet);
		registration.close();
		registration.close();
		group.cancel();
		group.cancel();
		assertThat(kept).hasValue(1);
		assertThat(removed).hasValue(0);
		assertThat(ranOn[0]).isSameAs(Thread.currentThread());
		assertThatThrownBy(group::await).isInstanceOf(ErrGroupException.class);
		assertThat(kept).hasValue(1);
	}

	@Test
	void S3_onCancelOnACancelledContextRunsAtOnceInTheRegisteringThread() {
		ErrGroup group = this.factory.newGroup("s3");
		group.cancel();
		Thread[] ranOn = new Thread[1];
		group.context().onCancel(() -> ranOn[0] = Thread.currentThread());
		assertThat(ranOn[0]).isSameAs(Thread.currentThread());
		assertThatThrownBy(() -> group.context().onCancel(null)).isInstanceOf(NullPointerException.class);
		assertThatThrownBy(group::await).isInstanceOf(ErrGroupException.class);
	}

	@Test
	void S3_aThrowingCallbackDoesNotStopTheOthers() {
		AtomicInteger ran = new AtomicInteger();
		ErrGroup group = this.factory.newGroup("s3");
		Thread.UncaughtExceptionHandler previous = Thread.currentThread().getUncaughtExceptionHandler();
		AtomicInteger reported = new AtomicInteger();
		Thread.currentThread().setUncaughtExceptionHandler((t, e) -> reported.incrementAndGet());
		try {
			group.context().onCancel(() -> {
				throw new IllegalStateException("bad callback");
			});
			group.context().onCancel(ran::incrementAndGet);
			group.cancel();
		}
		finally {
			Thread.currentThread().setUncaughtExceptionHandler(previous);
		}
		assertThat(ran).hasValue(1);
		assertThat(reported).hasValue(1);
		assertThatThrownBy(group::await).isInstanceOf(ErrGroupException.class);
	}

	@RepeatedTest(50)
	void S3_registrationRacingCancellationRunsTheCallbackExactlyOnce() throws Exception {
		ErrGroup group = this.factory.newGroup("race");
		AtomicInteger ran = new AtomicInteger();
		CyclicBarrier start = new CyclicBarrier(2);
		Thread registrar = new Thread(() -> {
			await(start);
			for (int i = 0; i < 100; i++) {
				group.context().onCancel(ran::incrementAndGet);
			}
		});
		registrar.start();
		await(start);
		group.cancel();
		registrar.join(TimeUnit.SECONDS.toMillis(10));
		assertThat(ran).hasValue(100);
		assertThatThrownBy(group::await).isInstanceOf(ErrGroupException.class);
	}

	@Test
	void S14_S17_groupsOpenedUnderABoundScopeAreItsChildren() {
		CancellationScope request = CancellationScope.open("GET /products/1", Duration.ofSeconds(30));
		ErrGroup group;
		try (CancellationScope.Binding ignored = request.bind()) {
			assertThat(GroupContext.current()).containsSame(request.context());
			group = this.factory.newGroup("fan-out");
		}
		assertThat(GroupContext.current()).isEmpty();
		assertThat(group.context().deadline()).isEqualTo(request.context().deadline());
		assertThat(((GroupInfo) group).parent()).containsSame(request.context());
		group.go(Pools::blockUntilInterrupted);
		CancellationException completed = new CancellationException("request completed");
		assertThat(request.cancel(completed)).isTrue();
		assertThat(request.cancel(new CancellationException("again"))).isFalse();
		assertThat(catchThrowableOfType(ErrGroupException.class, group::await).getCause()).isSameAs(completed);
	}

	@Test
	void S13_aScopeDeadlineCancelsItsGroupsWithTimeoutException() {
		CancellationScope request = CancellationScope.open("GET /slow", Duration.ofMillis(100));
		ErrGroup group = this.factory.group("fan-out").parent(request.context()).open();
		group.go(Pools::blockUntilInterrupted);
		assertThat(catchThrowableOfType(ErrGroupException.class, group::await).getCause())
			.isInstanceOf(TimeoutException.class)
			.hasMessageContaining("GET /slow");
	}

	@Test
	void scopeArgumentsAreChecked() {
		assertThatThrownBy(() -> CancellationScope.open(null)).isInstanceOf(NullPointerException.class);
		assertThatThrownBy(() -> CancellationScope.open("x", Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
			.hasMessageContaining("positive");
		CancellationScope scope = CancellationScope.open("x");
		assertThatThrownBy(() -> scope.cancel(null)).isInstanceOf(NullPointerException.class);
		CancellationScope.Binding binding = scope.bind();
		Thread other = new Thread(() -> assertThatThrownBy(binding::close).isInstanceOf(IllegalStateException.class));
		other.start();
		binding.close();
		assertThat(GroupContext.current()).isEmpty();
	}

	private static void await(CyclicBarrier barrier) {
		try {
			barrier.await(10, TimeUnit.SECONDS);
		}
		catch (Exception ex) {
			throw new IllegalStateException(ex);
		}
	}

	@Test
	void awaitFromATaskOfTheSameGroupIsRefusedInsteadOfDeadlocking() {
		ErrGroup group = this.factory.newGroup("self");
		CountDownLatch done = new CountDownLatch(1);
		Task<Object> selfAwait = group.go(() -> {
			try {
				group.await();
				return null;
			}
			finally {
				done.countDown();
			}
		});
		ErrGroupException ex = catchThrowableOfType(ErrGroupException.class, group::await);
		assertThat(ex.getCause()).isInstanceOf(IllegalStateException.class).hasMessageContaining("wait for itself");
		assertThat(selfAwait.state()).isEqualTo(Task.State.FAILED);
	}

}
