package io.github.errgroup.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeoutException;

import io.github.errgroup.ErrGroup;
import io.github.errgroup.ErrGroupException;
import io.github.errgroup.ErrGroupFactory;
import io.github.errgroup.Task;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Virtual time for deadlines (S13, S14, S37): a deadline fires on advance, exactly when due, never before. */
class VirtualClockTest {

	private static final Instant T0 = VirtualClock.DEFAULT_START;

	private final ExecutorService pool = Executors.newCachedThreadPool();

	private final VirtualClock clock = new VirtualClock();

	private final ErrGroupFactory factory = ErrGroupFactory.builder().executor(this.pool).deadlineClock(this.clock).build();

	@AfterEach
	void shutdown() {
		this.pool.shutdownNow();
	}

	@Test
	void S13_S37_aDeadlineFiresOnAdvance_andNotBefore() {
		ErrGroup group = this.factory.group("product").timeout(Duration.ofMillis(800)).open();
		Task<Void> slow = group.go(() -> new CountDownLatch(1).await()); // a call that takes "forever"
		assertThat(group.context().deadline()).contains(T0.plusMillis(800));

		this.clock.advance(Duration.ofMillis(799));
		assertThat(group.context().isCancelled()).as("799 ms: not yet").isFalse();
		assertThat(this.clock.instant()).isEqualTo(T0.plusMillis(799));

		this.clock.advance(Duration.ofMillis(1));
		assertThat(group.context().cause()).as("800 ms: cancelled before advance returned")
			.isInstanceOf(TimeoutException.class)
			.hasMessageContaining("product");

		assertThatThrownBy(group::await).isInstanceOf(ErrGroupException.class).hasCauseInstanceOf(TimeoutException.class);
		assertThat(slow.state()).isEqualTo(Task.State.CANCELLED);
		assertThat(this.clock.pendingDeadlines()).isZero();
	}

	@Test
	void S37_deadlinesFireOnTheAdvancingThread_earliestFirst_thenInTheOrderScheduled_eachAtItsOwnTime() {
		List<String> fired = new CopyOnWriteArrayList<>();
		Thread test = Thread.currentThread();
		List<ErrGroup> groups = new CopyOnWriteArrayList<>();
		for (String[] spec : new String[][] { { "c", "300" }, { "a", "100" }, { "b", "100" } }) {
			ErrGroup group = this.factory.group(spec[0]).timeout(Duration.ofMillis(Long.parseLong(spec[1]))).open();
			groups.add(group);
			group.context().onCancel(() -> fired.add(spec[0] + "@" + Duration.between(T0, this.clock.instant()).toMillis()
					+ (Thread.currentThread() == test ? "" : " on another thread")));
		}
		assertThat(this.clock.nextDeadline()).contains(T0.plusMillis(100));

		this.clock.advance(Duration.ofSeconds(1));

		assertThat(fired).containsExactly("a@100", "b@100", "c@300");
		assertThat(this.clock.instant()).isEqualTo(T0.plusSeconds(1));
		for (ErrGroup group : groups) {
			assertThatThrownBy(group::await).hasCauseInstanceOf(TimeoutException.class);
		}
	}

	@Test
	void S14_aChildsDeadlineIsExactlyTheParentsWhenTheParentsIsEarlier_andTheParentsFiringCancelsIt() {
		ErrGroup parent = this.factory.group("parent").timeout(Duration.ofSeconds(2)).open();
		ErrGroup child = this.factory.group("child").timeout(Duration.ofSeconds(5)).parent(parent.context()).open();
		ErrGroup earlier = this.factory.group("earlier").timeout(Duration.ofSeconds(1)).parent(parent.context()).open();
		assertThat(child.context().deadline()).contains(T0.plusSeconds(2));
		assertThat(earlier.context().deadline()).contains(T0.plusSeconds(1));

		this.clock.advance(Duration.ofSeconds(1));
		assertThat(earlier.context().cause()).isInstanceOf(TimeoutException.class).hasMessageContaining("earlier");
		assertThat(parent.context().isCancelled()).isFalse();
		assertThat(child.context().isCancelled()).isFalse();

		this.clock.advance(Duration.ofSeconds(1));
		assertThat(child.context().cause()).as("the parent's timeout, S14").isInstanceOf(TimeoutException.class)
			.hasMessageContaining("parent");
		for (ErrGroup g : List.of(earlier, child, parent)) {
			assertThatThrownBy(g::await).hasCauseInstanceOf(TimeoutException.class);
		}
	}

	@Test
	void S37_aDeadlineScheduledWhileTheStepFiresFiresInTheSameStep_ifItFallsWithinIt() {
		ErrGroup first = this.factory.group("first").timeout(Duration.ofMillis(100)).open();
		ErrGroup[] second = new ErrGroup[1];
		first.context().onCancel(() -> second[0] = this.factory.group("second").timeout(Duration.ofMillis(100)).open());

		this.clock.advance(Duration.ofMillis(250));

		assertThat(second[0].context().deadline()).contains(T0.plusMillis(200));
		assertThat(second[0].context().cause()).isInstanceOf(TimeoutException.class);
		assertThatThrownBy(first::await).hasCauseInstanceOf(TimeoutException.class);
		assertThatThrownBy(second[0]::await).hasCauseInstanceOf(TimeoutException.class);
	}

	@Test
	void S5_aGroupThatFinishesInTimeRemovesItsDeadline() {
		ErrGroup group = this.factory.group("quick").timeout(Duration.ofMillis(800)).open();
		group.go(() -> 42);
		assertThat(this.clock.pendingDeadlines()).isOne();
		group.await();
		assertThat(this.clock.pendingDeadlines()).isZero();
		this.clock.advance(Duration.ofSeconds(1));
		assertThat(group.context().cause()).isNotInstanceOf(TimeoutException.class);
	}

	@Test
	void timeOnlyMovesForward() {
		assertThatThrownBy(() -> this.clock.advance(Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class)
			.hasMessageContaining("only moves forward")
			.hasMessageContaining("PT-0.001S");
		assertThatThrownBy(() -> new VirtualClock(null)).isInstanceOf(NullPointerException.class);
		assertThat(new VirtualClock(Instant.EPOCH).instant()).isEqualTo(Instant.EPOCH);
	}

}
