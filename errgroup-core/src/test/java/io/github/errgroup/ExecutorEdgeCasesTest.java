package io.github.errgroup;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.function.UnaryOperator;

import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Executors that a plain fan-out would deadlock or lose tasks on (S15), tasks that spawn their
 * siblings (S11), and task decorators (S16) and outcomes (S29) whichever thread runs the task.
 *
 * <p>Tests that would hang if their rule broke give their group a 10 s deadline, so that a broken
 * rule fails with a {@code TimeoutException} cause instead of hanging the build.
 */
@Timeout(value = 30, unit = SECONDS)
class ExecutorEdgeCasesTest {

	private static final Duration WATCHDOG = Duration.ofSeconds(10);

	private final List<ExecutorService> executors = new ArrayList<>();

	@AfterEach
	void shutdownExecutors() {
		this.executors.forEach(ExecutorService::shutdownNow);
	}

	/** Awaitility polling fast: its default first poll comes after 100 ms. */
	private static ConditionFactory eventually() {
		return Awaitility.await().atMost(Duration.ofSeconds(10)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1));
	}

	private <E extends ExecutorService> E track(E executor) {
		this.executors.add(executor);
		return executor;
	}

	// ---- S15: nested groups on a tiny pool

	@ParameterizedTest(name = "{0}-thread pool")
	@ValueSource(ints = { 1, 2 })
	void S15_S14_S17_nestedGroups_depth3Width4_completeOnATinyPool(int threads) {
		ErrGroupFactory factory = ErrGroupFactory.create(track(Executors.newFixedThreadPool(threads)));
		AtomicInteger groupsOpened = new AtomicInteger();
		List<String> wrongContexts = new CopyOnWriteArrayList<>();

		int leaves;
		try (ErrGroup root = factory.group("level-3").timeout(WATCHDOG).open()) {
			groupsOpened.incrementAndGet();
			leaves = fanOut(root, factory, 3, groupsOpened, wrongContexts);
		}

		assertThat(leaves).isEqualTo(4 * 4 * 4);
		assertThat(groupsOpened.get()).isEqualTo(1 + 4 + 16);
		// Waiters run tasks of other groups inside their own: each must still see its own group.
		assertThat(wrongContexts).isEmpty();
		assertThat(GroupContext.current()).isEmpty();
	}

	/** Starts 4 tasks in {@code g}; each opens a child group one level down, until the leaves. */
	private static int fanOut(ErrGroup g, ErrGroupFactory factory, int level, AtomicInteger groupsOpened,
			List<String> wrongContexts) {
		List<Task<Integer>> children = new ArrayList<>();
		for (int i = 0; i < 4; i++) {
			children.add(g.go(() -> {
				if (GroupContext.current().orElse(null) != g.context()) { // S17
					wrongContexts.add("a task of " + g.name() + " saw " + GroupContext.current());
				}
				if (level == 1) {
					return 1;
				}
				try (ErrGroup child = factory.newGroup("level-" + (level - 1))) {
					groupsOpened.incrementAndGet();
					if (((GroupInfo) child).parentGroup().orElse(null) != g) { // S14
						wrongContexts.add(child.name() + " opened in a task of " + g.name() + " has parent "
								+ ((GroupInfo) child).parentGroup());
					}
					int sum = fanOut(child, factory, level - 1, groupsOpened, wrongContexts);
					if (GroupContext.current().orElse(null) != g.context()) { // restored after helping
						wrongContexts.add("a task of " + g.name() + " saw " + GroupContext.current() + " after its child");
					}
					return sum;
				}
			}));
		}
		g.await();
		return children.stream().mapToInt(Task::resultNow).sum();
	}

	// ---- S15: a full queue, an executor that rejects everything

	/** Unbatched (one runnable per task), the queue of one fills and the executor rejects the rest. */
	@Test
	void S15_fullExecutorQueue_rejectedTasksRunInTheAwaitingThread() throws Exception {
		fullExecutorQueue(Integer.MAX_VALUE, 12 - 2);
	}

	/**
	 * Batched (the pool's parallelism, 1, read from it), the group hands the busy pool one runnable and
	 * keeps the rest: nothing is rejected, and the owner runs them all the same.
	 */
	@Test
	void S15_fullExecutorQueue_batched_oneRunnableWaits_andTheAwaitingThreadRunsTheRest() throws Exception {
		fullExecutorQueue(0, 0);
	}

	private void fullExecutorQueue(int executorParallelism, int expectedRejections) throws Exception {
		AtomicInteger rejections = new AtomicInteger();
		ThreadPoolExecutor oneThreadQueueOfOne = track(new ThreadPoolExecutor(1, 1, 0L, MILLISECONDS,
				new ArrayBlockingQueue<>(1), (r, executor) -> {
					rejections.incrementAndGet();
					new ThreadPoolExecutor.AbortPolicy().rejectedExecution(r, executor);
				}));
		ErrGroupFactory.Builder builder = ErrGroupFactory.builder().executor(oneThreadQueueOfOne);
		if (executorParallelism > 0) {
			builder.executorParallelism(executorParallelism);
		}
		ErrGroupFactory factory = builder.build();
		int n = 12;
		CountDownLatch firstStarted = new CountDownLatch(1);
		CountDownLatch othersRan = new CountDownLatch(n - 1);
		AtomicIntegerArray runs = new AtomicIntegerArray(n);
		Thread owner = Thread.currentThread();

		try (ErrGroup g = factory.group("full-queue").timeout(WATCHDOG).open()) {
			// The pool's one thread stays busy until every other task ran: only the owner can run them.
			Task<Thread> first = g.go(() -> {
				runs.incrementAndGet(0);
				firstStarted.countDown();
				if (!othersRan.await(WATCHDOG.toSeconds(), SECONDS)) {
					throw new AssertionError("the other tasks never ran");
				}
				return Thread.currentThread();
			});
			assertThat(firstStarted.await(10, SECONDS)).isTrue();
			List<Task<Thread>> others = new ArrayList<>();
			for (int i = 1; i < n; i++) {
				int index = i;
				others.add(g.go(() -> {
					runs.incrementAndGet(index);
					othersRan.countDown();
					return Thread.currentThread();
				}));
			}
			assertThat(rejections.get()).as("rejections (unbatched: one task queued, the rest rejected)")
				.isEqualTo(expectedRejections);

			g.await();

			assertThat(first.resultNow()).isNotSameAs(owner);
			assertThat(others).allSatisfy(t -> assertThat(t.resultNow()).isSameAs(owner));
			for (int i = 0; i < n; i++) {
				assertThat(runs.get(i)).as("runs of task %d", i).isEqualTo(1);
			}
		}
	}

	private static final Executor REJECTS_EVERYTHING = r -> {
		throw new RejectedExecutionException("this executor rejects everything");
	};

	@Test
	void S15_executorThatRejectsEverything_everyTaskRunsInTheAwaitingThread() {
		ErrGroupFactory factory = ErrGroupFactory.create(REJECTS_EVERYTHING);
		Thread owner = Thread.currentThread();
		List<Task<Thread>> tasks = new ArrayList<>();

		try (ErrGroup g = factory.group("reject-all").timeout(WATCHDOG).open()) {
			for (int i = 0; i < 10; i++) {
				tasks.add(g.go(() -> Thread.currentThread()));
			}
			g.await();
		}

		assertThat(tasks).allSatisfy(t -> assertThat(t.resultNow()).isSameAs(owner));
	}

	@Test
	void S15_S4_executorThatRejectsEverything_aFailureStillCancelsTheTasksNotRunYet() {
		ErrGroupFactory factory = ErrGroupFactory.create(REJECTS_EVERYTHING);
		IllegalStateException boom = new IllegalStateException("boom");
		List<Task<Void>> tasks = new ArrayList<>();
		List<AtomicBoolean> ran = new ArrayList<>();
		AtomicBoolean ranAfterFailure = new AtomicBoolean();

		Throwable thrown;
		try (ErrGroup g = factory.group("reject-all-failing").timeout(WATCHDOG).open()) {
			for (int i = 0; i < 10; i++) {
				boolean fails = i == 3;
				AtomicBoolean bodyRan = new AtomicBoolean();
				ran.add(bodyRan);
				tasks.add(g.go(ctx -> {
					bodyRan.set(true);
					ranAfterFailure.compareAndSet(false, ctx.isCancelled());
					if (fails) {
						throw boom;
					}
					return null;
				}));
			}
			thrown = catchThrowable(g::await);
		}

		assertThat(thrown).isInstanceOf(ErrGroupException.class).hasCauseReference(boom);
		assertThat(ranAfterFailure).as("S4: no task body started after the failure").isFalse();
		for (int i = 0; i < tasks.size(); i++) {
			Task.State state = tasks.get(i).state();
			if (i == 3) {
				assertThat(state).isEqualTo(Task.State.FAILED);
			}
			else if (state == Task.State.CANCELLED) {
				assertThat(ran.get(i)).as("task %d is CANCELLED but its body ran", i).isFalse();
			}
			else {
				assertThat(state).as("task %d", i).isEqualTo(Task.State.SUCCESS);
			}
		}
	}

	// ---- S29: the same outcome whichever thread runs the task

	/** Who runs the task: a pool thread, or the owner in await() (the executor rejects everything). */
	enum Runner {

		POOL_THREAD, WAITER

	}

	@ParameterizedTest
	@EnumSource(Runner.class)
	void S29_S2_anInterruptedExceptionOfTheTasksOwn_isAFailure_whicheverThreadRunsIt(Runner runner) {
		Executor executor = (runner == Runner.POOL_THREAD) ? track(Executors.newFixedThreadPool(1)) : REJECTS_EVERYTHING;
		InterruptedException own = new InterruptedException("the task's own: nothing cancelled the group");
		ErrGroup g = ErrGroupFactory.create(executor).group("s29").timeout(WATCHDOG).open();
		Task<Object> task = g.go(() -> {
			throw own;
		});
		if (runner == Runner.POOL_THREAD) {
			eventually().until(() -> task.state().isFinal()); // ended before await, so the owner cannot run it
		}

		Throwable thrown = catchThrowable(g::await);
		boolean flagAfterAwait = Thread.interrupted();

		assertThat(((TaskInfo) task).ranByWaiter()).isEqualTo(runner == Runner.WAITER);
		assertThat(task.state()).isEqualTo(Task.State.FAILED);
		assertThat(task.exceptionNow()).isSameAs(own);
		assertThat(thrown).isInstanceOf(ErrGroupException.class).hasCauseReference(own);
		assertThat(thrown.getSuppressed()).isEmpty();
		// S8: on the owner's thread the interrupt may have been the owner's; it gets its flag back.
		assertThat(flagAfterAwait).isEqualTo(runner == Runner.WAITER);
	}

	@Test
	void S29_S8_theOwnersInterrupt_consumedByATaskItRuns_cancelsTheGroup_andAwaitThrowsWithTheFlagSet() throws Exception {
		ErrGroup g = ErrGroupFactory.create(REJECTS_EVERYTHING).group("s29-s8").timeout(WATCHDOG).open();
		CountDownLatch blocked = new CountDownLatch(1);
		Task<Object> pending = g.go(() -> 1);
		Task<Object> blocking = g.go(() -> { // the newest: the owner runs it first
			blocked.countDown();
			return Pools.blockUntilInterrupted();
		});
		CompletableFuture<Object[]> outcome = new CompletableFuture<>();
		Thread owner = new Thread(() -> {
			Throwable thrown = catchThrowable(g::await);
			outcome.complete(new Object[] { thrown, Thread.currentThread().isInterrupted() });
		}, "s29-owner");
		owner.start();
		assertThat(blocked.await(10, SECONDS)).isTrue();

		owner.interrupt();

		Object[] result = outcome.get(10, SECONDS);
		assertThat(result[0]).isInstanceOf(ErrGroupException.class);
		assertThat(((Throwable) result[0]).getCause()).isInstanceOf(InterruptedException.class)
			.isSameAs(blocking.exceptionNow());
		assertThat(result[1]).as("the owner's interrupt flag after await").isEqualTo(true);
		assertThat(pending.state()).as("S4: the group was cancelled before it started").isEqualTo(Task.State.CANCELLED);
	}

	@Test
	void S15_S11_awaitAsync_onAnExecutorThatRejectsEverything_completes() throws Exception {
		ErrGroupFactory factory = ErrGroupFactory.create(REJECTS_EVERYTHING);
		List<Task<Integer>> tasks = new CopyOnWriteArrayList<>();
		ErrGroup g = factory.group("reject-all-async").timeout(WATCHDOG).open();
		for (int i = 0; i < 5; i++) {
			int n = i;
			tasks.add(g.go(() -> n));
		}
		tasks.add(g.go(() -> {
			tasks.add(g.go(() -> 100)); // a sibling spawned by a task, while only an async waiter exists
			return 5;
		}));

		CompletableFuture<Void> done = g.awaitAsync();

		assertThat(done).succeedsWithin(Duration.ofSeconds(10));
		assertThat(tasks).hasSize(7).allSatisfy(t -> assertThat(t.state()).isEqualTo(Task.State.SUCCESS));
		assertThat(tasks.stream().mapToInt(Task::resultNow).sum()).isEqualTo(0 + 1 + 2 + 3 + 4 + 5 + 100);

		IllegalStateException boom = new IllegalStateException("boom");
		ErrGroup failing = factory.group("reject-all-async-failing").timeout(WATCHDOG).open();
		failing.go(() -> 1);
		failing.go(() -> {
			throw boom;
		});
		Throwable thrown = catchThrowable(() -> failing.awaitAsync().get(10, SECONDS));
		assertThat(thrown).isInstanceOf(ExecutionException.class);
		assertThat(thrown.getCause()).isInstanceOf(ErrGroupException.class).hasCauseReference(boom);
	}

	// ---- S11: a stage spawning its siblings

	@Test
	void S11_taskSpawnsSiblingsIntoItsOwnGroupWhileTheOwnerAwaits() throws Exception {
		ErrGroupFactory factory = ErrGroupFactory.create(track(Executors.newFixedThreadPool(2)));
		Thread owner = Thread.currentThread();
		CountDownLatch stageStarted = new CountDownLatch(1);
		ConcurrentLinkedQueue<Task<Integer>> spawned = new ConcurrentLinkedQueue<>();

		try (ErrGroup g = factory.group("stages").timeout(WATCHDOG).open()) {
			Task<Void> stage = g.go(() -> {
				stageStarted.countDown();
				// Spawn only once the owner is parked in await(): the go() races with the group's end.
				eventually().until(() -> owner.getState() == Thread.State.WAITING);
				spawnTree(g, 3, spawned);
			});
			assertThat(stageStarted.await(10, SECONDS)).isTrue();

			g.await();

			assertThat(stage.state()).isEqualTo(Task.State.SUCCESS);
		}
		assertThat(spawned).hasSize(2 + 4 + 8).allSatisfy(t -> assertThat(t.state()).isEqualTo(Task.State.SUCCESS));
	}

	/** Each task spawns two siblings, down to {@code depth} generations. */
	private static void spawnTree(ErrGroup g, int depth, ConcurrentLinkedQueue<Task<Integer>> spawned) {
		for (int i = 0; i < 2; i++) {
			spawned.add(g.go(() -> {
				if (depth > 1) {
					spawnTree(g, depth - 1, spawned);
				}
				return depth;
			}));
		}
	}

	// ---- S16: a task decorator, whichever thread runs the task

	private static final ThreadLocal<String> USER = new ThreadLocal<>();

	/** What a Spring {@code TaskDecorator} for context propagation does: capture in go(), restore after. */
	private static UnaryOperator<Runnable> propagateUser(List<Thread> decoratedOn) {
		return task -> {
			String captured = USER.get(); // on the submitting thread
			decoratedOn.add(Thread.currentThread());
			return () -> {
				String previous = USER.get();
				set(captured);
				try {
					task.run();
				}
				finally {
					set(previous);
				}
			};
		};
	}

	private static void set(String user) {
		if (user == null) {
			USER.remove();
		}
		else {
			USER.set(user);
		}
	}

	record Seen(String user, Thread thread, Optional<GroupContext> context) {

		static Seen now() {
			return new Seen(USER.get(), Thread.currentThread(), GroupContext.current());
		}

	}

	@Test
	void S16_S17_decoratorCapturesAtGo_andAppliesOnAPoolThread() throws Exception {
		ExecutorService oneThread = track(Executors.newFixedThreadPool(1));
		List<Thread> decoratedOn = new CopyOnWriteArrayList<>();
		ErrGroupFactory factory = ErrGroupFactory.builder().executor(oneThread).taskDecorator(propagateUser(decoratedOn))
			.build();
		Thread poolThread = oneThread.submit(Thread::currentThread).get(10, SECONDS);
		Thread owner = Thread.currentThread();
		List<Task<Seen>> tasks = new ArrayList<>();

		try (ErrGroup g = factory.newGroup("decorated-pool")) {
			// Each task finishes before the next is started, so the pool's one thread runs them all.
			for (String user : new String[] { "alice", null, "bob" }) {
				set(user);
				Task<Seen> task = g.go(Seen::now);
				eventually().until(() -> task.state().isFinal());
				tasks.add(task);
			}
			USER.remove();
			Thread submitter = new Thread(() -> {
				set("erin");
				tasks.add(g.go(Seen::now));
			}, "other-submitter");
			submitter.start();
			submitter.join(SECONDS.toMillis(10));
			assertThat(tasks).hasSize(4);
			eventually().until(() -> tasks.get(3).state().isFinal()); // else the owner may run it: fine, not this test
			g.await();

			assertThat(tasks).extracting(t -> t.resultNow().user()).containsExactly("alice", null, "bob", "erin");
			assertThat(tasks).allSatisfy(t -> {
				assertThat(t.resultNow().thread()).isSameAs(poolThread);
				assertThat(t.resultNow().context()).contains(g.context()); // S17
			});
			assertThat(decoratedOn).containsExactly(owner, owner, owner, submitter);
		}
		finally {
			USER.remove();
		}
		// Nothing of the tasks stays on the pool thread.
		Seen after = oneThread.submit(Seen::now).get(10, SECONDS);
		assertThat(after.user()).isNull();
		assertThat(after.context()).isEmpty();
	}

	@Test
	void S16_S17_decoratorCapturesAtGo_andAppliesWhenTheAwaitingThreadRunsTheTask() throws Exception {
		ExecutorService oneThread = track(Executors.newFixedThreadPool(1));
		List<Thread> decoratedOn = new CopyOnWriteArrayList<>();
		ErrGroupFactory factory = ErrGroupFactory.builder().executor(oneThread).taskDecorator(propagateUser(decoratedOn))
			.build();
		Thread owner = Thread.currentThread();
		String[] users = { "carol", null, "dave", null };
		CountDownLatch blockerStarted = new CountDownLatch(1);
		CountDownLatch othersRan = new CountDownLatch(users.length);
		List<Task<Seen>> tasks = new ArrayList<>();

		try (ErrGroup g = factory.group("decorated-waiter").timeout(WATCHDOG).open()) {
			// The pool's one thread stays busy until the others ran: the owner runs them, one after another.
			g.go(() -> {
				blockerStarted.countDown();
				othersRan.await();
			});
			assertThat(blockerStarted.await(10, SECONDS)).isTrue();
			for (String user : users) {
				set(user);
				tasks.add(g.go(() -> {
					Seen seen = Seen.now();
					othersRan.countDown();
					return seen;
				}));
			}
			set("owner");

			g.await();

			assertThat(tasks).extracting(t -> t.resultNow().user()).containsExactly(users);
			assertThat(tasks).allSatisfy(t -> {
				assertThat(t.resultNow().thread()).isSameAs(owner);
				assertThat(t.resultNow().context()).contains(g.context()); // S17
			});
			assertThat(decoratedOn).hasSize(1 + users.length).containsOnly(owner);
			assertThat(USER.get()).as("the owner's own value, restored after the tasks it ran").isEqualTo("owner");
			assertThat(GroupContext.current()).as("S17: outside a task").isEmpty();
		}
		finally {
			USER.remove();
		}
	}

}
