package io.github.errgroup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Errors and cancellation: SPEC rules S1 to S8. */
class ErrorsAndCancellationTest {

	private final ExecutorService pool = Pools.fixed(4, "rules");

	private final ErrGroupFactory factory = ErrGroupFactory.create(this.pool);

	@AfterEach
	void shutdown() {
		this.pool.shutdownNow();
	}

	@Test
	void S1_awaitBlocksUntilEveryTaskHasFinished() throws Exception {
		CountDownLatch release = new CountDownLatch(1);
		AtomicInteger finished = new AtomicInteger();
		ErrGroup group = this.factory.newGroup("s1");
		for (int i = 0; i < 3; i++) {
			group.go(() -> {
				release.await();
				finished.incrementAndGet();
			});
		}
		Thread waiter = new Thread(group::await, "s1-waiter");
		waiter.start();
		await().atMost(Duration.ofSeconds(10)).until(() -> waiter.getState() == Thread.State.WAITING);
		assertThat(waiter.isAlive()).as("await() returned while tasks were blocked").isTrue();
		assertThat(finished).hasValue(0);
		release.countDown();
		waiter.join(TimeUnit.SECONDS.toMillis(10));
		assertThat(waiter.isAlive()).isFalse();
		assertThat(finished).hasValue(3);
	}

	@Test
	void S1_awaitReturnsNormallyOnlyIfEveryTaskSucceeded() {
		ErrGroup group = this.factory.newGroup("s1");
		List<Task<Integer>> tasks = new ArrayList<>();
		for (int i = 0; i < 10; i++) {
			int n = i;
			tasks.add(group.go(() -> n * n));
		}
		group.await();
		for (int i = 0; i < 10; i++) {
			assertThat(tasks.get(i).state()).isEqualTo(Task.State.SUCCESS);
			assertThat(tasks.get(i).resultNow()).isEqualTo(i * i);
		}
	}

	@Test
	void S1_emptyGroupAwaitsAtOnce() {
		try (ErrGroup group = this.factory.newGroup("empty")) {
			group.await();
			assertThat(group.context().isCancelled()).as("S5 applies to empty groups too").isTrue();
		}
	}

	@Test
	void S2_firstFailureIsTheCauseAsTheSameInstance_laterRealFailuresSuppressedInOrder() throws Exception {
		IllegalStateException first = new IllegalStateException("first");
		IllegalArgumentException second = new IllegalArgumentException("second");
		UnsupportedOperationException third = new UnsupportedOperationException("third");
		CountDownLatch cancelled = new CountDownLatch(1);
		CountDownLatch bothRunning = new CountDownLatch(2);
		ErrGroup group = this.factory.newGroup("s2");
		group.context().onCancel(cancelled::countDown);
		Task<Object> secondTask = group.go(() -> {
			bothRunning.countDown();
			awaitUninterruptibly(cancelled);
			throw second;
		});
		group.go(() -> {
			bothRunning.countDown();
			awaitUninterruptibly(cancelled);
			Thread.interrupted(); // the cancellation's interrupt: it would cut the wait below short
			await().atMost(Duration.ofSeconds(10)).until(() -> secondTask.state() == Task.State.FAILED);
			throw third;
		});
		// Both must be running when the first fails, or they would be dropped unstarted (S4).
		assertThat(bothRunning.await(10, TimeUnit.SECONDS)).isTrue();
		group.go(() -> {
			throw first;
		});
		ErrGroupException ex = catchThrowableOfType(ErrGroupException.class, group::await);
		assertThat(ex.getCause()).isSameAs(first);
		assertThat(ex.getSuppressed()).containsExactly(second, third);
		assertThat(ex.groupName()).isEqualTo("s2");
	}

	@Test
	void S2_firstCauseLooksThroughNestedGroupsToTheTaskThatFailed() {
		IllegalStateException thrown = new IllegalStateException("innermost task failed");
		ErrGroup outer = this.factory.newGroup("outer");
		outer.go(() -> {
			ErrGroup middle = this.factory.newGroup("middle");
			middle.go(() -> {
				ErrGroup inner = this.factory.newGroup("inner");
				inner.go(() -> {
					throw thrown;
				});
				inner.await();
			});
			middle.await();
		});
		ErrGroupException ex = catchThrowableOfType(outer::await, ErrGroupException.class);
		assertThat(ex.getCause()).as("a nested failure reaches the parent wrapped").isInstanceOf(ErrGroupException.class);
		assertThat(ex.firstCause()).isSameAs(thrown);
	}

	@Test
	void S2_firstCauseOfAGroupWithoutNestingIsItsCause_neverTheTasksOwnChain() {
		IllegalStateException thrown = new IllegalStateException("wrapper", new java.io.IOException("root"));
		ErrGroup group = this.factory.newGroup("flat");
		group.go(() -> {
			throw thrown;
		});
		ErrGroupException ex = catchThrowableOfType(group::await, ErrGroupException.class);
		assertThat(ex.firstCause()).isSameAs(ex.getCause()).isSameAs(thrown);
	}

	@Test
	void S2_firstCauseOfANestedDeadlineIsTheChildsTimeout() {
		ErrGroup outer = this.factory.newGroup("outer");
		outer.go(() -> {
			ErrGroup child = this.factory.group("child").timeout(Duration.ofMillis(20)).open();
			child.go(Pools::blockUntilInterrupted);
			child.await();
		});
		ErrGroupException ex = catchThrowableOfType(outer::await, ErrGroupException.class);
		assertThat(ex.firstCause()).isInstanceOf(TimeoutException.class).hasMessageContaining("child");
	}

	@Test
	void S2_firstCauseIsBoundedAndNeverNull() {
		ErrGroupException noCause = new ErrGroupException("empty", null, List.of());
		assertThat(noCause.firstCause()).isSameAs(noCause);
		ErrGroupException[] loop = new ErrGroupException[2];
		for (int i = 0; i < 2; i++) {
			int other = 1 - i;
			loop[i] = new ErrGroupException("loop" + i, null, List.of()) {

				private static final long serialVersionUID = 1L;

				@Override
				public synchronized Throwable getCause() {
					return loop[other];
				}

			};
		}
		assertThat(loop[0].firstCause()).isInstanceOf(ErrGroupException.class);
	}

	@Test
	void S2_interruptLikeExceptionsAfterCancellationAreNotFailures() {
		RuntimeException boom = new RuntimeException("boom");
		CountDownLatch cancelled = new CountDownLatch(1);
		ErrGroup group = this.factory.newGroup("s2");
		group.context().onCancel(cancelled::countDown);
		Task<Object> interrupted = group.go(Pools::blockUntilInterrupted);
		Task<Object> cancellation = group.go(ctx -> {
			awaitUninterruptibly(cancelled);
			ctx.throwIfCancelled();
			return null;
		});
		Task<Object> interruptedIo = group.go(() -> {
			awaitUninterruptibly(cancelled);
			throw new InterruptedIOException("read aborted");
		});
		Task<Object> wrapped = group.go(() -> {
			try {
				return Pools.blockUntilInterrupted();
			}
			catch (InterruptedException ex) {
				throw new IllegalStateException("client gave up", ex);
			}
		});
		group.go(() -> {
			throw boom;
		});
		ErrGroupException ex = catchThrowableOfType(ErrGroupException.class, group::await);
		assertThat(ex.getCause()).isSameAs(boom);
		assertThat(ex.getSuppressed()).isEmpty();
		assertThat(List.of(interrupted, cancellation, interruptedIo, wrapped))
			.extracting(Task::state)
			.containsOnly(Task.State.CANCELLED);
		assertThatThrownBy(interrupted::exceptionNow).isInstanceOf(IllegalStateException.class);
	}

	@Test
	void S2_anHttpClientsInterruptReportIsNotAFailure() throws Exception {
		RuntimeException boom = new RuntimeException("boom");
		CountDownLatch started = new CountDownLatch(1);
		ErrGroup group = this.factory.newGroup("s2");
		Task<Object> client = group.go(() -> {
			started.countDown();
			try {
				return Pools.blockUntilInterrupted();
			}
			catch (InterruptedException ex) {
				// what Spring's JdkClientHttpRequest throws, wrapped by RestClient
				throw new IllegalStateException("I/O error",
						new java.io.IOException("Request was interrupted: " + ex.getMessage(), ex));
			}
		});
		started.await();
		group.go(() -> {
			throw boom;
		});
		ErrGroupException ex = catchThrowableOfType(ErrGroupException.class, group::await);
		assertThat(ex.getCause()).isSameAs(boom);
		assertThat(ex.getSuppressed()).isEmpty();
		assertThat(client.state()).isEqualTo(Task.State.CANCELLED);
	}

	@Test
	void S2_interruptedExceptionBeforeAnyCancellationIsAFailure() {
		InterruptedException spurious = new InterruptedException("not from the group");
		ErrGroup group = this.factory.newGroup("s2");
		Task<Object> task = group.go(() -> {
			throw spurious;
		});
		// ended on a pool thread: an interrupt on the waiter's thread would be the waiter's (S8)
		await().atMost(Duration.ofSeconds(10)).until(() -> task.state().isFinal());
		assertThat(catchThrowableOfType(ErrGroupException.class, group::await).getCause()).isSameAs(spurious);
		assertThat(task.state()).isEqualTo(Task.State.FAILED);
		assertThat(task.exceptionNow()).isSameAs(spurious);
	}

	@Test
	void S3_firstFailureCancelsAtOnce_beforeAnyoneAwaits() throws Exception {
		RuntimeException boom = new RuntimeException("boom");
		AtomicInteger callbacks = new AtomicInteger();
		CountDownLatch siblingInterrupted = new CountDownLatch(1);
		CountDownLatch siblingStarted = new CountDownLatch(1);
		ErrGroup group = this.factory.newGroup("s3");
		group.context().onCancel(callbacks::incrementAndGet);
		Task<Object> sibling = group.go(() -> {
			siblingStarted.countDown();
			try {
				return Pools.blockUntilInterrupted();
			}
			catch (InterruptedException ex) {
				siblingInterrupted.countDown();
				throw ex;
			}
		});
		siblingStarted.await();
		group.go(() -> {
			throw boom;
		});
		assertThat(siblingInterrupted.await(10, TimeUnit.SECONDS)).as("the running sibling was interrupted").isTrue();
		assertThat(group.context().isCancelled()).isTrue();
		assertThat(group.context().cause()).isSameAs(boom);
		assertThatThrownBy(group::await).cause().isSameAs(boom);
		assertThat(callbacks).as("onCancel callbacks run once").hasValue(1);
		assertThat(sibling.state()).isEqualTo(Task.State.CANCELLED);
	}

	@Test
	void S3_throwIfCancelledCarriesTheCause() {
		RuntimeException boom = new RuntimeException("boom");
		ErrGroup group = this.factory.newGroup("s3");
		group.cancel(boom);
		assertThatThrownBy(() -> group.context().throwIfCancelled()).isInstanceOf(CancellationException.class)
			.hasMessageContaining("s3")
			.cause()
			.isSameAs(boom);
		assertThatThrownBy(group::await).cause().isSameAs(boom);
	}

	@Test
	void S4_queuedTasksOfACancelledGroupNeverStart() throws Exception {
		ExecutorService single = Pools.fixed(1, "s4");
		try {
			ErrGroupFactory f = ErrGroupFactory.create(single);
			CountDownLatch occupied = new CountDownLatch(1);
			CountDownLatch release = new CountDownLatch(1);
			single.execute(() -> {
				occupied.countDown();
				awaitUninterruptibly(release); // the pool's only thread is busy elsewhere
			});
			occupied.await();
			AtomicInteger ran = new AtomicInteger();
			ErrGroup group = f.newGroup("s4");
			List<Task<Void>> queued = new ArrayList<>();
			for (int i = 0; i < 5; i++) {
				queued.add(group.go(() -> {
					ran.incrementAndGet();
				}));
			}
			group.cancel();
			release.countDown();
			assertThatThrownBy(group::await).hasCauseInstanceOf(CancellationException.class);
			assertThat(queued).extracting(Task::state).containsOnly(Task.State.CANCELLED);
			assertThat(ran).hasValue(0);
		}
		finally {
			single.shutdownNow();
		}
	}

	@Test
	void S4_aTaskClaimedByAPoolThreadJustAfterTheCancelDoesNotRun() {
		// The canceller tells listeners before it drops pending tasks: a pool thread claims the task in
		// that window, and must still see the cancellation before starting the body.
		CountDownLatch letThePoolRun = new CountDownLatch(1);
		AtomicBoolean ran = new AtomicBoolean();
		java.util.concurrent.atomic.AtomicReference<Task<Void>> task = new java.util.concurrent.atomic.AtomicReference<>();
		ErrGroupFactory gated = ErrGroupFactory.builder().executor(r -> this.pool.execute(() -> {
			awaitUninterruptibly(letThePoolRun);
			r.run();
		})).listener(new GroupListener() {
			@Override
			public void groupCancelled(GroupInfo group) {
				letThePoolRun.countDown();
				await().atMost(Duration.ofSeconds(10)).until(() -> task.get().state() != Task.State.PENDING);
			}
		}).build();
		ErrGroup group = gated.newGroup("s4");
		task.set(group.go(() -> ran.set(true)));
		group.cancel();
		assertThatThrownBy(group::await).isInstanceOf(ErrGroupException.class);
		assertThat(task.get().state()).isEqualTo(Task.State.CANCELLED);
		assertThat(ran).isFalse();
	}

	@Test
	void S4_tasksSubmittedAfterCancellationFinishCancelledWithoutRunning() {
		AtomicBoolean ran = new AtomicBoolean();
		ErrGroup group = this.factory.newGroup("s4");
		group.cancel();
		Task<Void> late = group.go(() -> ran.set(true));
		Task<Integer> tried = group.tryGo(() -> 1).orElseThrow();
		assertThat(late.state()).isEqualTo(Task.State.CANCELLED);
		assertThat(tried.state()).isEqualTo(Task.State.CANCELLED);
		assertThatThrownBy(group::await).isInstanceOf(ErrGroupException.class);
		assertThat(ran).isFalse();
	}

	@Test
	void S4_aGoWaitingForALimitSlotGivesUpOnCancellation() throws Exception {
		CountDownLatch holding = new CountDownLatch(1);
		ErrGroup group = this.factory.group("s4").limit(1).open();
		group.go(() -> {
			holding.countDown();
			return Pools.blockUntilInterrupted();
		});
		holding.await();
		AtomicBoolean ran = new AtomicBoolean();
		CompletableFuture<Task<Void>> blocked = new CompletableFuture<>();
		Thread spawner = new Thread(() -> blocked.complete(group.go(() -> ran.set(true))), "s4-spawner");
		spawner.start();
		await().atMost(Duration.ofSeconds(10)).until(() -> spawner.getState() == Thread.State.WAITING);
		assertThat(blocked).as("go() waits for a free slot").isNotDone();
		group.cancel();
		Task<Void> task = blocked.get(10, TimeUnit.SECONDS);
		assertThat(task.state()).isEqualTo(Task.State.CANCELLED);
		assertThatThrownBy(group::await).isInstanceOf(ErrGroupException.class);
		assertThat(ran).isFalse();
	}

	@Test
	void S5_aSuccessfulGroupIsCancelledWhenAwaitReturns_cleanUpsRunBeforeThat() {
		AtomicBoolean cleanedUp = new AtomicBoolean();
		ErrGroup group = this.factory.newGroup("s5");
		group.context().onCancel(() -> cleanedUp.set(true));
		group.go(() -> 1);
		assertThat(group.context().isCancelled()).isFalse();
		group.await();
		assertThat(cleanedUp).as("onCancel ran before await() returned").isTrue();
		assertThat(group.context().cause()).isInstanceOf(CancellationException.class);
	}

	@Test
	void S5_callbacksOfAConcurrentCancelHaveRunWhenAwaitReturns() throws Exception {
		CountDownLatch inCallback = new CountDownLatch(1);
		CountDownLatch releaseCallback = new CountDownLatch(1);
		AtomicBoolean callbackDone = new AtomicBoolean();
		ErrGroup group = this.factory.newGroup("s5");
		group.context().onCancel(() -> {
			inCallback.countDown();
			awaitUninterruptibly(releaseCallback);
			callbackDone.set(true);
		});
		Thread canceller = new Thread(group::cancel, "canceller");
		canceller.start();
		inCallback.await();
		CompletableFuture<Void> awaiting = CompletableFuture.runAsync(() -> {
			Throwable ex = catchThrowableOfType(ErrGroupException.class, group::await);
			assertThat(ex).isNotNull();
			assertThat(callbackDone).as("await() returned while a cancel callback was still running").isTrue();
		});
		releaseCallback.countDown();
		awaiting.get(10, TimeUnit.SECONDS);
		canceller.join();
	}

	@Test
	void S6_errorsAreFailuresLikeAnyOther() {
		AssertionError assertion = new AssertionError("task assertion");
		ErrGroup group = this.factory.newGroup("s6");
		Task<Object> failing = group.go(() -> {
			throw assertion;
		});
		assertThat(catchThrowableOfType(ErrGroupException.class, group::await).getCause()).isSameAs(assertion);
		assertThat(failing.exceptionNow()).isSameAs(assertion);

		OutOfMemoryError oom = new OutOfMemoryError("simulated");
		ErrGroup second = this.factory.newGroup("s6");
		second.go(() -> {
			throw oom;
		});
		assertThat(catchThrowableOfType(ErrGroupException.class, second::await).getCause()).isSameAs(oom);
	}

	@Test
	void S7_cancelFromOutside_onlyTheFirstCauseCounts() {
		TimeoutException first = new TimeoutException("budget spent");
		ErrGroup group = this.factory.newGroup("s7");
		Task<Object> blocked = group.go(Pools::blockUntilInterrupted);
		group.cancel(first);
		group.cancel(new IllegalStateException("second"));
		group.cancel();
		assertThat(catchThrowableOfType(ErrGroupException.class, group::await).getCause()).isSameAs(first);
		assertThat(blocked.state()).isEqualTo(Task.State.CANCELLED);
	}

	@Test
	void S7_plainCancelUsesACancellationException() {
		ErrGroup group = this.factory.newGroup("s7");
		group.cancel();
		assertThat(catchThrowableOfType(ErrGroupException.class, group::await).getCause())
			.isInstanceOf(CancellationException.class);
	}

	@Test
	void S7_aTaskThatFailedFirstWinsOverALaterCancel() {
		RuntimeException boom = new RuntimeException("boom");
		ErrGroup group = this.factory.newGroup("s7");
		Task<Object> failing = group.go(() -> {
			throw boom;
		});
		await().atMost(Duration.ofSeconds(10)).until(() -> failing.state() == Task.State.FAILED);
		group.cancel(new IllegalStateException("too late"));
		assertThat(catchThrowableOfType(ErrGroupException.class, group::await).getCause()).isSameAs(boom);
	}

	@Test
	void S7_cancelRequiresACause() {
		ErrGroup group = this.factory.newGroup("s7");
		assertThatThrownBy(() -> group.cancel(null)).isInstanceOf(NullPointerException.class)
			.hasMessageContaining("cause");
		group.await();
	}

	@Test
	void S8_interruptedAwaitCancelsWithInterruptedException_waitsForTasks_thenRestoresTheFlag() throws Exception {
		CountDownLatch straggling = new CountDownLatch(1);
		CountDownLatch releaseStraggler = new CountDownLatch(1);
		CountDownLatch started = new CountDownLatch(1);
		ErrGroup group = this.factory.newGroup("s8");
		Task<Object> straggler = group.go(() -> {
			try {
				started.countDown();
				return Pools.blockUntilInterrupted();
			}
			catch (InterruptedException ex) {
				straggling.countDown();
				awaitUninterruptibly(releaseStraggler); // ignores the cancellation for a while
				throw ex;
			}
		});
		CompletableFuture<Object[]> outcome = new CompletableFuture<>();
		Thread waiter = new Thread(() -> {
			ErrGroupException ex = catchThrowableOfType(ErrGroupException.class, group::await);
			outcome.complete(new Object[] { ex, Thread.currentThread().isInterrupted(), straggler.state() });
		}, "s8-waiter");
		// A pool thread runs the straggler: one the waiter ran would consume the waiter's interrupt (S29).
		assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
		waiter.start();
		await().atMost(Duration.ofSeconds(10)).until(() -> waiter.getState() == Thread.State.WAITING);
		waiter.interrupt();
		assertThat(straggling.await(10, TimeUnit.SECONDS)).isTrue();
		assertThat(outcome).as("await() must wait for the straggler").isNotDone();
		releaseStraggler.countDown();
		Object[] result = outcome.get(10, TimeUnit.SECONDS);
		ErrGroupException ex = (ErrGroupException) result[0];
		assertThat(ex).isNotNull();
		assertThat(ex.getCause()).isInstanceOf(InterruptedException.class);
		assertThat(result[1]).as("interrupt status set again").isEqualTo(true);
		assertThat(result[2]).isEqualTo(Task.State.CANCELLED);
	}

	@Test
	void S8_anAwaitStartedWithTheInterruptFlagSetCancelsToo() {
		ErrGroup group = this.factory.newGroup("s8");
		Task<Object> blocked = group.go(Pools::blockUntilInterrupted);
		Thread.currentThread().interrupt();
		try {
			ErrGroupException ex = catchThrowableOfType(ErrGroupException.class, group::await);
			assertThat(ex.getCause()).isInstanceOf(InterruptedException.class);
			assertThat(Thread.currentThread().isInterrupted()).isTrue();
			assertThat(blocked.state()).isEqualTo(Task.State.CANCELLED);
		}
		finally {
			Thread.interrupted();
		}
	}

	static void awaitUninterruptibly(CountDownLatch latch) {
		boolean interrupted = false;
		while (true) {
			try {
				latch.await();
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

}
