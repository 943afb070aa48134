package io.github.errgroup;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The GroupListener event stream: ordering and exact accounting (the basis of S26). */
class ListenerTest {

	private final ExecutorService pool = Pools.fixed(2, "listener");

	@AfterEach
	void shutdown() {
		this.pool.shutdownNow();
	}

	/** Checks every task's events arrive in order, once each. */
	static final class Recorder implements GroupListener {

		final Map<TaskInfo, List<String>> events = new ConcurrentHashMap<>();

		final AtomicInteger opened = new AtomicInteger();

		final AtomicInteger closed = new AtomicInteger();

		final AtomicInteger spawned = new AtomicInteger();

		final Map<Task.State, AtomicInteger> finished = new ConcurrentHashMap<>();

		/** Listener exceptions are logged, not thrown, so violations are collected and asserted at the end. */
		final List<String> violations = new java.util.concurrent.CopyOnWriteArrayList<>();

		void check(boolean ok, String what, Object subject) {
			if (!ok) {
				this.violations.add(what + ": " + subject);
			}
		}

		@Override
		public void groupOpened(GroupInfo group) {
			this.opened.incrementAndGet();
		}

		@Override
		public void groupClosed(GroupInfo group) {
			this.closed.incrementAndGet();
			check(group.taskCount(Task.State.PENDING) + group.taskCount(Task.State.RUNNING) == 0,
					"closed with unfinished tasks", group);
		}

		@Override
		public void taskSpawned(TaskInfo task) {
			this.spawned.incrementAndGet();
			check(this.events.put(task, new ArrayList<>(List.of("spawned"))) == null, "spawned twice", task);
		}

		@Override
		public void taskStarted(TaskInfo task) {
			List<String> seen = this.events.get(task);
			synchronized (seen) {
				check(seen.equals(List.of("spawned")), "started out of order " + seen, task);
				seen.add("started");
			}
			check(GroupContext.current().orElse(null) == task.group().context(), "wrong current context", task);
		}

		@Override
		public void taskFinished(TaskInfo task) {
			check(task.state().isFinal(), "finished but not final", task);
			List<String> seen = this.events.get(task);
			synchronized (seen) {
				check(!seen.contains("finished"), "finished twice", task);
				seen.add("finished");
			}
			this.finished.computeIfAbsent(task.state(), s -> new AtomicInteger()).incrementAndGet();
		}

		int finished(Task.State state) {
			AtomicInteger n = this.finished.get(state);
			return (n != null) ? n.get() : 0;
		}

	}

	@Test
	void everySpawnedTaskFinishesExactlyOnce_inOrder_beforeAwaitReturns() {
		Recorder recorder = new Recorder();
		ErrGroupFactory factory = ErrGroupFactory.builder().executor(this.pool).listener(recorder).build();
		ThreadLocalRandom random = ThreadLocalRandom.current();
		for (int round = 0; round < 300; round++) {
			GroupSpec spec = factory.group("round");
			if (random.nextBoolean()) {
				spec.limit(1 + random.nextInt(3));
			}
			if (random.nextInt(10) == 0) {
				spec.timeout(Duration.ofMillis(1 + random.nextInt(5)));
			}
			try (ErrGroup group = spec.open()) {
				int tasks = random.nextInt(12);
				for (int i = 0; i < tasks; i++) {
					int kind = random.nextInt(10);
					group.go(() -> {
						if (kind == 0) {
							throw new IllegalStateException("boom");
						}
						if (kind == 1) {
							Thread.sleep(1); // something interruptible
						}
						return kind;
					});
				}
				if (random.nextInt(10) == 0) {
					group.cancel();
				}
				if (random.nextInt(10) != 0) {
					try {
						group.await();
					}
					catch (ErrGroupException expected) {
						// outcome varies; the accounting must not
					}
				}
			}
			int done = recorder.finished(Task.State.SUCCESS) + recorder.finished(Task.State.FAILED)
					+ recorder.finished(Task.State.CANCELLED);
			assertThat(done).as("spawned = success + failure + cancelled after round %d", round)
				.isEqualTo(recorder.spawned.get());
		}
		assertThat(recorder.opened).hasValue(300);
		assertThat(recorder.closed).hasValue(300);
		assertThat(recorder.events.values()).allSatisfy(events -> assertThat(events).last().isEqualTo("finished"));
		assertThat(factory.openGroups()).isEmpty();
		assertThat(recorder.violations).isEmpty();
	}

	@Test
	void aFailingListenerDoesNotBreakTheGroup() {
		ErrGroupFactory factory = ErrGroupFactory.builder().executor(this.pool).listener(new GroupListener() {
			@Override
			public void taskStarted(TaskInfo task) {
				throw new IllegalStateException("listener bug");
			}
		}).build();
		ErrGroup group = factory.newGroup("robust");
		Task<Integer> task = group.go(() -> 7);
		group.await();
		assertThat(task.resultNow()).isEqualTo(7);
	}

	@Test
	void taskInfoCarriesTimingsAndWhoRanIt() {
		List<TaskInfo> finished = new ArrayList<>();
		ErrGroupFactory factory = ErrGroupFactory.builder().executor(r -> {
			throw new java.util.concurrent.RejectedExecutionException("always");
		}).listener(new GroupListener() {
			@Override
			public void taskFinished(TaskInfo task) {
				finished.add(task);
			}
		}).build();
		ErrGroup group = factory.newGroup("timings");
		group.go(() -> 1);
		group.await();
		TaskInfo info = finished.get(0);
		assertThat(info.ranByWaiter()).isTrue();
		assertThat(info.index()).isZero();
		assertThat(info.startedNanos()).isGreaterThanOrEqualTo(info.spawnedNanos());
		assertThat(info.finishedNanos()).isGreaterThanOrEqualTo(info.startedNanos());
		assertThat(info.group().name()).isEqualTo("timings");
		assertThat(info.exception()).isEmpty();
	}

}
