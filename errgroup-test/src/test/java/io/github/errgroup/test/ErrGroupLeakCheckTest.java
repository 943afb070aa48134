package io.github.errgroup.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import io.github.errgroup.ErrGroup;
import io.github.errgroup.ErrGroupFactory;
import io.github.errgroup.GroupInfo;
import io.github.errgroup.Task;

import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;

/**
 * The leak check (S37): run on test classes of its own through JUnit's {@link EngineTestKit}, it fails
 * the one that leaves a group open, printing the tree, and passes the others.
 */
class ErrGroupLeakCheckTest {

	static final ExecutorService POOL = Executors.newCachedThreadPool();

	/** Counted down by a leaked task when the leak check's cancellation interrupts it. */
	static volatile CountDownLatch leakedTaskInterrupted;

	@AfterAll
	static void shutdown() {
		POOL.shutdownNow();
	}

	@Test
	void S37_aTestThatLeavesAGroupOpenFails_withTheTreeOfOpenGroups_andTheLeakedGroupIsCancelled() throws Exception {
		leakedTaskInterrupted = new CountDownLatch(1);

		Throwable failure = singleFailure(run(LeavesGroupsOpen.class));

		assertThat(failure).isInstanceOf(AssertionError.class)
			.hasMessageStartingWith("2 groups left open by leaves a parent and its child open()")
			.hasMessageContaining("still open PT0.05S after it ended");
		String[] lines = failure.getMessage().split("\n");
		assertThat(lines[1]).startsWith("  group 'checkout' #").contains(" OPEN, opened ").contains(" s ago");
		assertThat(lines[2]).isEqualTo("    tasks: 0 pending, 1 running, 1 success, 0 failed, 0 cancelled");
		assertThat(lines[3]).as("the child, one level deeper").startsWith("    group 'payment' #")
			.contains(" OPEN, opened ")
			.contains(", deadline ")
			.contains(", limit 2");
		assertThat(lines[4]).isEqualTo("      tasks: 0 pending, 0 running, 0 success, 0 failed, 0 cancelled");
		assertThat(leakedTaskInterrupted.await(20, TimeUnit.SECONDS)).as("the leaked group was cancelled").isTrue();
	}

	@Test
	void S37_aCancelledGroupWhoseTaskIgnoresTheInterruptIsReportedWithItsCause() {
		try {
			Throwable failure = singleFailure(run(LeavesACancelledGroupRunning.class));

			assertThat(failure).hasMessageStartingWith("1 group left open by")
				.hasMessageContaining("group 'stubborn' #")
				.hasMessageContaining(" CANCELLED, ")
				.hasMessageContaining("tasks: 0 pending, 1 running")
				.hasMessageContaining("cause: java.util.concurrent.CancellationException: group 'stubborn' was cancelled by cancel()");
		}
		finally {
			LeavesACancelledGroupRunning.release.countDown();
		}
	}

	@Test
	void S37_testsThatAwaitTheirGroups_orWhoseGroupsFinishWithinTheGracePeriod_pass() {
		EngineExecutionResults results = run(FinishesItsGroups.class, "PT20S");
		results.testEvents().assertStatistics(stats -> stats.started(3).succeeded(3).failed(0));
	}

	@Test
	void S37_aFactoryGivenToWatchIsChecked_andGroupsOpenBeforeTheTestAreNotItsOwn() {
		EngineExecutionResults results = run(WatchesAFactory.class);
		results.testEvents().assertStatistics(stats -> stats.started(2).succeeded(1).failed(1));
		Throwable failure = singleFailure(results);
		assertThat(failure).hasMessageStartingWith("1 group left open by leaks through a watched factory()")
			.hasMessageContaining("group 'watched-leak'")
			.hasMessageNotContaining("background");
	}

	@Test
	void aGracePeriodThatIsNotADurationIsRefusedSayingWhatWouldBeRight() {
		EngineExecutionResults results = EngineTestKit.engine("junit-jupiter")
			.selectors(selectClass(FinishesItsGroups.class))
			.configurationParameter(ErrGroupLeakCheck.GRACE_PERIOD_PROPERTY, "2 seconds")
			.execute();
		assertThat(failures(results)).first().asInstanceOf(InstanceOfAssertFactories.THROWABLE)
			.hasMessageContaining("errgroup.leak-check.grace-period must be an ISO-8601 duration such as PT2S")
			.hasMessageContaining("'2 seconds'");
	}

	@Test
	void verifyNoneChecksByHand() {
		ErrGroupFactory factory = ErrGroupFactory.create(POOL);
		ErrGroup open = factory.newGroup("by-hand");
		assertThatThrownBy(() -> ErrGroupLeakCheck.verifyNone(Duration.ZERO, factory)).isInstanceOf(AssertionError.class)
			.hasMessageContaining("group 'by-hand'");
		open.await();
		ErrGroupLeakCheck.verifyNone(Duration.ZERO, factory);
	}

	private static EngineExecutionResults run(Class<?> testClass) {
		return run(testClass, "PT0.05S");
	}

	private static EngineExecutionResults run(Class<?> testClass, String gracePeriod) {
		return EngineTestKit.engine("junit-jupiter")
			.selectors(selectClass(testClass))
			.configurationParameter(ErrGroupLeakCheck.GRACE_PERIOD_PROPERTY, gracePeriod)
			.execute();
	}

	/**
	 * Returns once the leak check, on {@code testThread}, has seen the group open and sleeps in its
	 * grace period (or after 10 s, so that a broken check does not hang the build).
	 */
	static void untilTheLeakCheckWaitsInItsGracePeriod(Thread testThread) throws InterruptedException {
		long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
		while (System.nanoTime() < giveUp) {
			if (testThread.getState() == Thread.State.TIMED_WAITING && Arrays.stream(testThread.getStackTrace())
				.anyMatch(frame -> frame.getMethodName().equals("awaitFinished"))) {
				return;
			}
			Thread.sleep(1);
		}
	}

	private static Throwable singleFailure(EngineExecutionResults results) {
		List<Throwable> failures = failures(results);
		assertThat(failures).hasSize(1);
		return failures.get(0);
	}

	private static List<Throwable> failures(EngineExecutionResults results) {
		return results.testEvents()
			.failed()
			.stream()
			.map(event -> event.getRequiredPayload(TestExecutionResult.class).getThrowable().orElseThrow())
			.collect(Collectors.toList());
	}

	// ---- the test classes the kit runs (nested, so that the build's own test run skips them)

	@ExtendWith(ErrGroupLeakCheck.class)
	static class LeavesGroupsOpen {

		ErrGroupFactory factory = ErrGroupFactory.create(POOL);

		@Test
		@DisplayName("leaves a parent and its child open()")
		void leaks() throws Exception {
			ErrGroup checkout = this.factory.newGroup("checkout");
			checkout.go(() -> 1);
			CountDownLatch childOpened = new CountDownLatch(1);
			checkout.go(() -> {
				ErrGroup payment = this.factory.group("payment").limit(2).timeout(Duration.ofHours(1)).open();
				childOpened.countDown();
				try {
					new CountDownLatch(1).await();
				}
				catch (InterruptedException ex) {
					leakedTaskInterrupted.countDown();
					payment.await();
				}
			});
			childOpened.await();
			while (((GroupInfo) checkout).taskCount(Task.State.SUCCESS) < 1) {
				Thread.onSpinWait(); // until the quick task has ended, so that the counts printed are known
			}
		}

	}

	@ExtendWith(ErrGroupLeakCheck.class)
	static class LeavesACancelledGroupRunning {

		static final CountDownLatch release = new CountDownLatch(1);

		static final ErrGroupFactory factory = ErrGroupFactory.create(POOL);

		@Test
		void leaks() throws Exception {
			ErrGroup stubborn = factory.newGroup("stubborn");
			CountDownLatch started = new CountDownLatch(1);
			stubborn.go(() -> {
				started.countDown();
				for (;;) {
					try {
						release.await(20, TimeUnit.SECONDS); // at most, should the test not release it
						return;
					}
					catch (InterruptedException ex) {
						// deaf to cancellation: keeps waiting
					}
				}
			});
			started.await();
			stubborn.cancel();
		}

	}

	@ExtendWith(ErrGroupLeakCheck.class)
	static class FinishesItsGroups {

		ErrGroupFactory factory = ErrGroupFactory.create(POOL);

		@Test
		void awaits() {
			try (ErrGroup group = this.factory.newGroup("awaited")) {
				group.go(() -> 1);
				group.await();
			}
		}

		@Test
		void closes() {
			try (ErrGroup group = this.factory.newGroup("closed")) {
				group.go(() -> 1);
			}
		}

		@Test
		void awaitsAsynchronously_theGroupFinishesWhileTheCheckWaitsForIt() {
			Thread testThread = Thread.currentThread();
			ErrGroup group = this.factory.newGroup("async");
			group.go(() -> untilTheLeakCheckWaitsInItsGracePeriod(testThread));
			group.awaitAsync();
		}

	}

	static class WatchesAFactory {

		static final ErrGroupFactory hidden = ErrGroupFactory.create(POOL);

		static ErrGroup background;

		@RegisterExtension
		static ErrGroupLeakCheck leaks = new ErrGroupLeakCheck().watch(hidden);

		@BeforeAll
		static void startBackgroundWork() {
			background = hidden.newGroup("background"); // open before every test: not theirs
		}

		@AfterAll
		static void stopBackgroundWork() {
			background.await();
		}

		@Test
		@DisplayName("leaks through a watched factory()")
		void leaks() {
			hidden.newGroup("watched-leak");
		}

		@Test
		void doesNotLeak() {
			hidden.newGroup("fine").await();
		}

	}

}
