package io.github.errgroup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** S38: a task may carry a name; unnamed tasks behave as before. */
class NamedTasksTest {

	private final ExecutorService pool = Pools.fixed(2, "named");

	@AfterEach
	void shutdown() {
		this.pool.shutdownNow();
	}

	@Test
	void S38_everyOverloadGivesTheTaskItsName_andAnUnnamedTaskHasNone() {
		List<TaskInfo> spawned = new CopyOnWriteArrayList<>();
		ErrGroupFactory factory = ErrGroupFactory.builder().executor(Runnable::run).listener(new GroupListener() {
			@Override
			public void taskSpawned(TaskInfo task) {
				spawned.add(task);
			}
		}).build();
		try (ErrGroup g = factory.newGroup("page")) {
			g.go("a", () -> 1);
			g.go("b", (ctx) -> 2);
			g.go("c", () -> {
			});
			g.tryGo("d", () -> 1);
			g.tryGo("e", (ctx) -> 2);
			g.tryGo("f", () -> {
			});
			g.go(() -> 3);
			g.await();
		}
		assertThat(spawned).extracting(TaskInfo::name)
			.containsExactly(Optional.of("a"), Optional.of("b"), Optional.of("c"), Optional.of("d"), Optional.of("e"),
					Optional.of("f"), Optional.empty());
		assertThat(spawned).extracting(TaskInfo::index).containsExactly(0, 1, 2, 3, 4, 5, 6);
	}

	@Test
	void S38_theExceptionNamesTheTaskThatFailedFirst_andKeepsTheSameCause() {
		IllegalStateException down = new IllegalStateException("pricing is down");
		ErrGroupFactory factory = ErrGroupFactory.create(this.pool);
		ErrGroup g = factory.newGroup("product-page");
		CountDownLatch failed = new CountDownLatch(1);
		g.go("details", () -> {
			failed.await();
			return Pools.blockUntilInterrupted(); // ends CANCELLED: not named in the message
		});
		g.go("stock", () -> "ok");
		g.go("pricing", () -> {
			failed.countDown();
			throw down;
		});
		for (int call = 0; call < 2; call++) { // a second await() gives a fresh exception with the same message (S9)
			assertThatExceptionOfType(ErrGroupException.class).isThrownBy(g::await)
				.withMessage("task 'pricing' (#2) of group 'product-page' failed: java.lang.IllegalStateException: pricing is down")
				.satisfies((ex) -> assertThat(ex.getCause()).isSameAs(down)); // S2
		}
		assertThat(g.awaitAsync()).failsWithin(java.time.Duration.ofSeconds(10))
			.withThrowableThat()
			.havingCause()
			.withMessageStartingWith("task 'pricing' (#2) of group 'product-page' failed: ");
	}

	@Test
	void S38_anUnnamedTaskThatFailsFirstIsNamedByItsIndex() {
		ErrGroup g = ErrGroupFactory.create(Runnable::run).newGroup("g");
		g.go(() -> "ok");
		g.go(() -> {
			throw new IllegalArgumentException("bad");
		});
		assertThatExceptionOfType(ErrGroupException.class).isThrownBy(g::await)
			.withMessage("task #1 of group 'g' failed: java.lang.IllegalArgumentException: bad");
	}

	@Test
	void S38_aCancellationThatNoTaskCausedNamesNoTask_asBefore() {
		ErrGroup g = ErrGroupFactory.create(this.pool).newGroup("g");
		g.go("slow", Pools::blockUntilInterrupted);
		g.cancel(new java.util.concurrent.TimeoutException("too late"));
		assertThatExceptionOfType(ErrGroupException.class).isThrownBy(g::await)
			.withMessage("group 'g' failed: java.util.concurrent.TimeoutException: too late");
	}

	@Test
	void S38_aNullNameIsRefusedNamingTheParameter_andABlankOneSaysHowToGoUnnamed() {
		ErrGroup g = ErrGroupFactory.create(Runnable::run).newGroup("g");
		assertThatNullPointerException().isThrownBy(() -> g.go((String) null, () -> 1))
			.withMessage("name must not be null; use go(task) for an unnamed task");
		assertThatNullPointerException().isThrownBy(() -> g.tryGo((String) null, () -> {
		})).withMessage("name must not be null; use tryGo(task) for an unnamed task");
		assertThatIllegalArgumentException().isThrownBy(() -> g.go(" ", (ctx) -> 1))
			.withMessage("name must not be blank, it was ' '; use go(task) for an unnamed task");
		assertThatIllegalArgumentException().isThrownBy(() -> g.tryGo("", () -> 1))
			.withMessage("name must not be blank, it was ''; use tryGo(task) for an unnamed task");
		assertThatNullPointerException().isThrownBy(() -> g.go("named", (java.util.concurrent.Callable<?>) null))
			.withMessage("task must not be null");
		// Refused before anything was spawned: the next task is still #0.
		assertThat(g.go("first", () -> 1)).extracting((t) -> ((TaskInfo) t).index()).isEqualTo(0);
		g.await();
	}

	@Test
	void S38_unfinishedTasksShowsThePendingAndRunningOnes_oldestFirst() throws Exception {
		List<Runnable> held = new CopyOnWriteArrayList<>(); // an executor that never runs: tasks stay PENDING
		ErrGroup g = ErrGroupFactory.create(held::add).newGroup("g");
		List<List<String>> seenWhileRunning = new CopyOnWriteArrayList<>();
		GroupInfo info = (GroupInfo) g;
		g.go("pricing", () -> "ok");
		g.go(() -> "unnamed");
		g.go("stock", () -> {
			seenWhileRunning.add(info.unfinishedTasks().stream()
				.map((t) -> t.name().orElse("#" + t.index()) + " " + t.state())
				.toList());
			return "ok";
		});
		assertThat(info.unfinishedTasks()).extracting((t) -> t.name().orElse("#" + t.index()))
			.containsExactly("pricing", "#1", "stock");
		assertThat(info.unfinishedTasks()).extracting(TaskInfo::state).containsOnly(Task.State.PENDING);
		held.get(0).run(); // pricing ends: it leaves the list
		assertThat(info.unfinishedTasks()).extracting((t) -> t.name().orElse("#" + t.index()))
			.containsExactly("#1", "stock");
		g.await(); // the waiter runs the rest, newest first (S15)
		assertThat(seenWhileRunning).containsExactly(List.of("#1 PENDING", "stock RUNNING"));
		assertThat(info.unfinishedTasks()).isEmpty();
	}

}
