package io.github.errgroup.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.github.errgroup.ErrGroup;
import io.github.errgroup.ErrGroupException;
import io.github.errgroup.ErrGroupFactory;
import io.github.errgroup.Task;
import io.github.errgroup.TaskInfo;

import org.junit.jupiter.api.Test;

/** A reproducible order (S37): the test runs a group's tasks on its own thread, in the order it gives. */
class ManualExecutorTest {

	private final ManualExecutor executor = new ManualExecutor();

	private final ErrGroupFactory factory = ErrGroupFactory.create(this.executor);

	private final List<String> ran = new CopyOnWriteArrayList<>();

	@Test
	void S37_theTasksRunInTheOrderGiven_onTheTestThread_andAwaitFindsNothingPending() {
		Thread test = Thread.currentThread();
		ErrGroup group = this.factory.newGroup("page");
		for (String part : List.of("details", "pricing", "reviews")) {
			group.go(() -> this.ran.add(part + (Thread.currentThread() == test ? "" : " on another thread")));
		}
		assertThat(this.ran).as("nothing runs by itself").isEmpty();
		assertThat(this.executor.queued()).extracting(TaskInfo::index).containsExactly(0, 1, 2);

		this.executor.run(2, 0, 1);

		assertThat(this.ran).containsExactly("reviews", "details", "pricing");
		assertThat(this.executor.queued()).isEmpty();
		group.await();
	}

	@Test
	void S37_S38_namedTasksRunInTheOrderOfTheirNames_andANameNotQueuedIsRefusedWithWhatIsQueued() {
		ErrGroup group = this.factory.newGroup("page");
		for (String part : List.of("details", "pricing", "reviews")) {
			group.go(part, () -> this.ran.add(part));
		}

		this.executor.run("reviews", "details");

		assertThat(this.ran).containsExactly("reviews", "details");
		assertThatThrownBy(() -> this.executor.run("inventory")).isInstanceOf(IllegalArgumentException.class)
			.hasMessageContaining("no queued task is 'inventory'")
			.hasMessageContaining("'pricing' #1 of 'page'");
		this.executor.run("pricing");
		assertThat(this.ran).containsExactly("reviews", "details", "pricing");
		group.await();
	}

	@Test
	void S37_S4_replayingAFailureFirst_theTasksNotStartedAreCancelledAndNeverRun() {
		RuntimeException pricingDown = new RuntimeException("pricing: 503");
		ErrGroup group = this.factory.newGroup("page");
		Task<String> details = group.go(() -> record("details"));
		group.go(() -> {
			record("pricing");
			throw pricingDown;
		});
		Task<String> reviews = group.go(() -> record("reviews"));

		this.executor.run(1); // pricing fails before the others start
		this.executor.run(0, 2); // replayed as seen; the cancellation dropped them: nothing runs

		assertThat(this.ran).containsExactly("pricing");
		assertThat(details.state()).isEqualTo(Task.State.CANCELLED);
		assertThat(reviews.state()).isEqualTo(Task.State.CANCELLED);
		assertThatThrownBy(group::await).isInstanceOf(ErrGroupException.class).cause().isSameAs(pricingDown);
	}

	@Test
	void S11_S37_runAllRunsOldestFirst_andTheTasksThatTasksSpawn() {
		ErrGroup group = this.factory.newGroup("stages");
		group.go(() -> {
			record("stage 1");
			group.go(() -> record("stage 2, spawned by stage 1"));
		});
		group.go(() -> record("sibling"));

		assertThat(this.executor.runAll()).isEqualTo(3);

		assertThat(this.ran).containsExactly("stage 1", "sibling", "stage 2, spawned by stage 1");
		group.await();
	}

	@Test
	void anIndexNotQueuedIsRefusedWithWhatIsQueued_andOneSharedByTwoGroupsAsksForTheGroup() {
		ErrGroup first = this.factory.newGroup("first");
		ErrGroup second = this.factory.newGroup("second");
		first.go(() -> record("first #0"));
		second.go(() -> record("second #0"));

		assertThatThrownBy(() -> this.executor.run(7)).isInstanceOf(IllegalArgumentException.class)
			.hasMessageContaining("no queued task is #7")
			.hasMessageContaining("#0 of 'first' (PENDING)");
		assertThatThrownBy(() -> this.executor.run(0)).isInstanceOf(IllegalStateException.class)
			.hasMessageContaining("more than one")
			.hasMessageContaining("run(group, indexes...)");

		this.executor.run(second, 0);
		this.executor.run(first, 0);
		assertThat(this.ran).containsExactly("second #0", "first #0");
		first.await();
		second.await();
	}

	@Test
	void aRunnableThatIsNotATaskFailsLoudly_sayingWhatTheKitReliesOn() {
		Runnable batch = () -> { };
		this.executor.execute(batch);

		assertThatThrownBy(this.executor::runNext).isInstanceOf(IllegalStateException.class)
			.hasMessageContaining("not a task (io.github.errgroup.TaskInfo)")
			.hasMessageContaining("one runnable per task");
		assertThatThrownBy(this.executor::queued).isInstanceOf(IllegalStateException.class);
		assertThatThrownBy(() -> this.executor.run(0)).isInstanceOf(IllegalStateException.class);
	}

	private String record(String what) {
		this.ran.add(what);
		return what;
	}

}
