package io.github.errgroup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Where deadlines come from (S13, S14): the factory's {@link DeadlineClock}, which gives the time a
 * deadline is computed from and the timer that fires it; and the system clock's timer thread, which
 * hands each firing off so that a slow {@code onCancel} callback delays no other deadline.
 */
class DeadlineClockTest {

	private static final Instant T0 = Instant.parse("2000-01-01T00:00:00Z");

	private final ExecutorService pool = Pools.fixed(4, "deadline-clock");

	private final RecordingClock clock = new RecordingClock();

	private final ErrGroupFactory factory = ErrGroupFactory.builder().executor(this.pool).deadlineClock(this.clock).build();

	@AfterEach
	void shutdown() {
		this.pool.shutdownNow();
	}

	@Test
	void S13_theDeadlineIsTheFactorysClockPlusTheTimeout_andItsTimerCancelsTheGroup() {
		ErrGroup group = this.factory.group("s13").timeout(Duration.ofMillis(800)).open();
		assertThat(group.context().deadline()).contains(T0.plusMillis(800));
		assertThat(((GroupInfo) group).openedAt()).isEqualTo(T0);
		assertThat(this.clock.scheduled).hasSize(1);
		assertThat(this.clock.scheduled.get(0).delay).isEqualTo(Duration.ofMillis(800));
		Task<Object> blocked = group.go(Pools::blockUntilInterrupted);

		this.clock.scheduled.get(0).action.run(); // the clock says: 800 ms have passed

		ErrGroupException ex = catchThrowableOfType(ErrGroupException.class, group::await);
		assertThat(ex.getCause()).isInstanceOf(TimeoutException.class).hasMessageContaining("s13");
		assertThat(blocked.state()).isEqualTo(Task.State.CANCELLED);
	}

	@Test
	void S14_aChildsDeadlineIsCappedByTheParentsOnTheSameClock_andNeedsNoTimerOfItsOwn() {
		ErrGroup parent = this.factory.group("parent").timeout(Duration.ofSeconds(5)).open();
		ErrGroup later = this.factory.group("later").timeout(Duration.ofHours(1)).parent(parent.context()).open();
		ErrGroup earlier = this.factory.group("earlier").timeout(Duration.ofSeconds(1)).parent(parent.context()).open();
		assertThat(parent.context().deadline()).contains(T0.plusSeconds(5));
		assertThat(later.context().deadline()).as("capped by the parent's, exactly").contains(T0.plusSeconds(5));
		assertThat(earlier.context().deadline()).contains(T0.plusSeconds(1));
		assertThat(this.clock.scheduled).extracting(s -> s.delay)
			.as("the parent's and the earlier child's; the later child is cancelled by its parent")
			.containsExactly(Duration.ofSeconds(5), Duration.ofSeconds(1));

		this.clock.scheduled.get(0).action.run(); // the parent's deadline

		assertThatThrownBy(later::await).hasCauseInstanceOf(TimeoutException.class).hasMessageContaining("parent");
		assertThatThrownBy(earlier::await).hasCauseInstanceOf(TimeoutException.class);
		assertThatThrownBy(parent::await).hasCauseInstanceOf(TimeoutException.class);
	}

	@Test
	void S5_S13_aGroupThatFinishesCancelsItsTimer_andAFiringAfterTheEndDoesNothing() {
		AtomicInteger callbacks = new AtomicInteger();
		ErrGroup group = this.factory.group("s5").timeout(Duration.ofSeconds(1)).open();
		group.context().onCancel(callbacks::incrementAndGet);
		group.go(() -> 42);
		group.await();
		assertThat(this.clock.scheduled.get(0).cancelled).as("the timer was cancelled").isTrue();

		this.clock.scheduled.get(0).action.run(); // a clock that fires after cancel (allowed)

		assertThat(group.context().cause()).isInstanceOf(CancellationException.class)
			.isNotInstanceOf(TimeoutException.class);
		assertThat(callbacks).as("onCancel ran exactly once").hasValue(1);
	}

	@Test
	void S13_aSlowOnCancelCallbackOfOneGroupDelaysNoOtherGroupsDeadline() throws Exception {
		CountDownLatch slowCallbackEntered = new CountDownLatch(1);
		CountDownLatch releaseSlowCallback = new CountDownLatch(1);
		// Registered when the group opens, before its deadline is armed, so it always runs on the firing.
		GroupListener slowCallback = new GroupListener() {
			@Override
			public void groupOpened(GroupInfo group) {
				if (group.name().equals("slow")) {
					group.context().onCancel(() -> {
						slowCallbackEntered.countDown();
						Pools.awaitIgnoringInterrupts(releaseSlowCallback);
					});
				}
			}
		};
		ErrGroupFactory system = ErrGroupFactory.builder().executor(this.pool).listener(slowCallback).build();
		ErrGroup slow = system.group("slow").timeout(Duration.ofMillis(1)).open();
		try {
			assertThat(slowCallbackEntered.await(20, TimeUnit.SECONDS)).as("the slow group's deadline fired").isTrue();
			CountDownLatch otherFired = new CountDownLatch(1);
			ErrGroup other = system.group("other").timeout(Duration.ofMillis(1)).open();
			other.context().onCancel(otherFired::countDown);

			// Shorter than the slow callback holds on (20 s), so that a timer it held cannot pass.
			assertThat(otherFired.await(10, TimeUnit.SECONDS))
				.as("another group's deadline fires while the slow callback still runs").isTrue();
			assertThatThrownBy(other::await).hasCauseInstanceOf(TimeoutException.class);
		}
		finally {
			releaseSlowCallback.countDown();
		}
		assertThatThrownBy(slow::await).hasCauseInstanceOf(TimeoutException.class);
	}

	@Test
	void S13_theTimeLeftIsReadOnTheDeadlinesOwnClock_neverNegative() {
		ErrGroup group = this.factory.group("s13").timeout(Duration.ofMillis(800)).open();
		ErrGroup none = this.factory.newGroup("no-deadline");
		assertThat(group.context().timeLeft()).contains(Duration.ofMillis(800));
		this.clock.now = T0.plusMillis(300);
		assertThat(group.context().timeLeft()).contains(Duration.ofMillis(500));
		this.clock.now = T0.plusSeconds(1);
		assertThat(group.context().timeLeft()).as("passed: zero, not negative").contains(Duration.ZERO);
		assertThat(none.context().timeLeft()).isEmpty();
		CancellationScope scope = CancellationScope.open("request", Duration.ofHours(1));
		assertThat(scope.context().timeLeft()).as("a scope is on the system clock")
			.hasValueSatisfying(left -> assertThat(left).isBetween(Duration.ofMinutes(59), Duration.ofHours(1)));
		scope.cancel(new CancellationException("done"));
		group.await();
		none.await();
	}

	@Test
	void theClockMustNotBeNull() {
		assertThatThrownBy(() -> ErrGroupFactory.builder().deadlineClock(null)).isInstanceOf(NullPointerException.class)
			.hasMessageContaining("deadlineClock");
	}

	/** A clock that stands still (at T0 unless the test moves it) and records what the engine schedules; the test fires by hand. */
	private static final class RecordingClock implements DeadlineClock {

		final List<Timer> scheduled = new ArrayList<>();

		volatile Instant now = T0;

		@Override
		public Instant instant() {
			return this.now;
		}

		@Override
		public synchronized Scheduled schedule(Duration delay, Runnable action) {
			Timer timer = new Timer(delay, action);
			this.scheduled.add(timer);
			return () -> timer.cancelled = true;
		}

	}

	private static final class Timer {

		final Duration delay;

		final Runnable action;

		volatile boolean cancelled;

		Timer(Duration delay, Runnable action) {
			this.delay = delay;
			this.action = action;
		}

	}

}
