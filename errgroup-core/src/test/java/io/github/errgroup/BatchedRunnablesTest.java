package io.github.errgroup;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Batched groups (issue 15): on an executor whose parallelism is known, a group hands the executor at
 * most that many runnables not started yet, and each runnable runs the group's unclaimed tasks. Every
 * task still runs exactly once (S1, S15), a task waiting for a later sibling is not stuck behind it,
 * and what one task leaves on its thread does not reach the next (S16).
 */
@Timeout(30)
class BatchedRunnablesTest {

	private final List<ExecutorService> pools = new ArrayList<>();

	@AfterEach
	void stop() {
		this.pools.forEach(ExecutorService::shutdownNow);
	}

	/** A fixed pool that counts the runnables handed to it. */
	private CountingPool countingPool(int threads) {
		CountingPool pool = new CountingPool(threads);
		this.pools.add(pool);
		return pool;
	}

	/**
	 * With both threads of the pool busy, a fan-out of 256 hands the pool 2 runnables, not 256; once
	 * the pool frees, every task runs once and succeeds (S1, S15).
	 */
	@Test
	void S15_batched_aFanOutOnABusyPool_handsItAsManyRunnablesAsItHasThreads_andEveryTaskRunsOnce() {
		CountingPool pool = countingPool(2);
		CountDownLatch busy = pool.occupyAllThreads();
		ErrGroupFactory factory = ErrGroupFactory.create(pool);
		assertThat(factory.runnersPerGroup()).as("read from the pool's core size").isEqualTo(2);
		int n = 256;
		AtomicIntegerArray runs = new AtomicIntegerArray(n);
		List<Task<Void>> tasks = new ArrayList<>();
		try (ErrGroup g = factory.newGroup("fan-out")) {
			int before = pool.executed.get();
			for (int i = 0; i < n; i++) {
				int index = i;
				tasks.add(g.go(() -> {
					runs.incrementAndGet(index);
				}));
			}
			assertThat(pool.executed.get() - before).as("runnables handed to a pool whose 2 threads are busy")
				.isEqualTo(2);
			busy.countDown();
			g.await();
		}
		assertThat(tasks).allSatisfy((t) -> assertThat(t.state()).isEqualTo(Task.State.SUCCESS));
		for (int i = 0; i < n; i++) {
			assertThat(runs.get(i)).as("runs of task %d", i).isEqualTo(1);
		}
	}

	/**
	 * With one runnable allowed and a pool of idle threads, a task that waits for a sibling spawned
	 * after it must not wait behind it: the runnable that starts hands the newer one off before it runs
	 * its own. Awaited asynchronously, so no waiting thread runs anything.
	 */
	@Test
	void S15_batched_aTaskWaitingForALaterSibling_isNotStuckBehindIt() throws Exception {
		ExecutorService idle = Executors.newCachedThreadPool();
		this.pools.add(idle);
		HeldExecutor held = new HeldExecutor(idle);
		ErrGroupFactory factory = ErrGroupFactory.builder().executor(held).executorParallelism(1).build();
		CountDownLatch siblingRan = new CountDownLatch(1);
		ErrGroup g = factory.newGroup("siblings");
		Task<Boolean> waiting = g.go(() -> siblingRan.await(10, SECONDS));
		g.go(siblingRan::countDown);
		assertThat(held.held).as("runnables handed off before any started").hasSize(1);
		CompletableFuture<Void> done = g.awaitAsync();
		held.release();
		done.get(20, SECONDS);
		assertThat(waiting.resultNow()).as("the sibling ran while the first task waited").isTrue();
	}

	/**
	 * Runnables take the group's tasks in spawn order, as the executor starts runnables: with both
	 * threads of the pool running, an older task that newer ones wait for is run before them, not left
	 * behind the newer ones, which would block both threads. Awaited asynchronously, so no waiting
	 * thread runs anything.
	 */
	@Test
	void S15_batched_runnablesTakeTasksInSpawnOrder_soBlockedNewerTasksDoNotStarveAnOlderOne() throws Exception {
		CountingPool pool = countingPool(2);
		CountDownLatch busy = pool.occupyAllThreads();
		ErrGroupFactory factory = ErrGroupFactory.create(pool);
		CountDownLatch provided = new CountDownLatch(1);
		ErrGroup g = factory.newGroup("in-order");
		List<Task<Boolean>> waiting = new ArrayList<>();
		waiting.add(g.go(() -> provided.await(10, SECONDS))); // handed off
		g.go(() -> {
		}); // handed off: its runnable then looks for more
		g.go(provided::countDown); // left to the runnables, as are the newer ones
		for (int i = 0; i < 3; i++) {
			waiting.add(g.go(() -> provided.await(10, SECONDS)));
		}
		CompletableFuture<Void> done = g.awaitAsync();
		busy.countDown();
		done.get(30, SECONDS);
		assertThat(waiting).allSatisfy((t) -> assertThat(t.resultNow()).as("found what it waited for").isTrue());
	}

	/**
	 * A task that leaves its thread interrupted (here its own doing) ends the runnable that ran it: the
	 * next task starts on a runnable of its own, which the pool starts with the interrupt cleared, as
	 * it would unbatched (S16). One thread, one runnable allowed: without that, the same runnable would
	 * run the next task on the interrupted thread.
	 */
	@Test
	void S16_batched_anInterruptATaskLeavesSet_doesNotReachTheNextTask() throws Exception {
		CountingPool pool = countingPool(1);
		CountDownLatch busy = pool.occupyAllThreads();
		ErrGroupFactory factory = ErrGroupFactory.create(pool);
		ErrGroup g = factory.newGroup("interrupts");
		g.go(() -> Thread.currentThread().interrupt());
		Task<Boolean> next = g.go(() -> Thread.currentThread().isInterrupted());
		CompletableFuture<Void> done = g.awaitAsync();
		busy.countDown();
		done.get(20, SECONDS);
		assertThat(next.resultNow()).as("the next task started interrupted").isFalse();
	}

	/** A runnable the executor rejects leaves its task to the awaiting thread, batched too (S15). */
	@Test
	void S15_batched_rejectedRunnables_theAwaitingThreadRunsEveryTask() {
		ErrGroupFactory factory = ErrGroupFactory.builder()
			.executor((r) -> {
				throw new java.util.concurrent.RejectedExecutionException("rejects everything");
			})
			.executorParallelism(2)
			.build();
		Thread owner = Thread.currentThread();
		List<Task<Thread>> tasks = new ArrayList<>();
		try (ErrGroup g = factory.newGroup("rejected")) {
			for (int i = 0; i < 10; i++) {
				tasks.add(g.go(Thread::currentThread));
			}
			g.await();
		}
		assertThat(tasks).allSatisfy((t) -> assertThat(t.resultNow()).isSameAs(owner));
	}

	/**
	 * A runnable the executor rejected does not count as one waiting in it: the next task is handed
	 * off and its runnable runs the rest, with no thread waiting (awaited asynchronously).
	 */
	@Test
	void S15_batched_aRejectedRunnableDoesNotCountAsWaiting() throws Exception {
		ExecutorService idle = Executors.newCachedThreadPool();
		this.pools.add(idle);
		AtomicInteger calls = new AtomicInteger();
		ErrGroupFactory factory = ErrGroupFactory.builder().executor((r) -> {
			if (calls.getAndIncrement() == 0) {
				throw new java.util.concurrent.RejectedExecutionException("the first one only");
			}
			idle.execute(r);
		}).executorParallelism(1).build();
		CountDownLatch firstMayEnd = new CountDownLatch(1);
		ErrGroup g = factory.newGroup("rejected-once");
		Task<Boolean> rejected = g.go(() -> firstMayEnd.await(10, SECONDS));
		Task<Void> handedOff = g.go(firstMayEnd::countDown);
		g.awaitAsync().get(20, SECONDS);
		assertThat(rejected.resultNow()).isTrue();
		assertThat(handedOff.state()).isEqualTo(Task.State.SUCCESS);
	}

	@Test
	void executorParallelism_lessThanOne_isRefusedWithWhatWouldBeRight() {
		assertThatIllegalArgumentException().isThrownBy(() -> ErrGroupFactory.builder().executorParallelism(0))
			.withMessage("executorParallelism must be at least 1, it was 0; use Integer.MAX_VALUE for one runnable per task");
	}

	@Test
	void executorParallelism_isReadFromTheJdkPoolsThatSayIt_andOtherwiseOneRunnablePerTask() {
		ThreadPoolExecutor queued = new ThreadPoolExecutor(3, 10, 1, TimeUnit.SECONDS, new LinkedBlockingQueue<>());
		ThreadPoolExecutor growing = new ThreadPoolExecutor(3, 10, 1, TimeUnit.SECONDS, new LinkedBlockingQueue<>(5));
		ThreadPoolExecutor growingWithoutBound = new ThreadPoolExecutor(3, Integer.MAX_VALUE, 1, TimeUnit.SECONDS,
				new LinkedBlockingQueue<>(5));
		ThreadPoolExecutor direct = new ThreadPoolExecutor(0, 10, 1, TimeUnit.SECONDS, new SynchronousQueue<>());
		ForkJoinPool forkJoin = new ForkJoinPool(5);
		this.pools.addAll(List.of(queued, growing, growingWithoutBound, direct, forkJoin));
		Executor other = Runnable::run;
		assertThat(ErrGroupFactory.create(queued).runnersPerGroup()).as("an unbounded queue: the core size").isEqualTo(3);
		assertThat(ErrGroupFactory.create(growing).runnersPerGroup()).as("a bounded queue: the maximum size")
			.isEqualTo(10);
		assertThat(ErrGroupFactory.create(growingWithoutBound).runnersPerGroup()).as("a bounded queue, no maximum")
			.isEqualTo(ErrGroupFactory.UNBATCHED);
		assertThat(ErrGroupFactory.create(direct).runnersPerGroup()).as("a thread per runnable")
			.isEqualTo(ErrGroupFactory.UNBATCHED);
		assertThat(ErrGroupFactory.create(forkJoin).runnersPerGroup()).isEqualTo(5);
		assertThat(ErrGroupFactory.create(other).runnersPerGroup()).isEqualTo(ErrGroupFactory.UNBATCHED);
		assertThat(ErrGroupFactory.builder().executor(queued).executorParallelism(7).build().runnersPerGroup())
			.as("set, it wins").isEqualTo(7);
	}

	/** A fixed pool (a {@code ThreadPoolExecutor}, so its parallelism is read) that counts executes. */
	static final class CountingPool extends ThreadPoolExecutor {

		final AtomicInteger executed = new AtomicInteger();

		CountingPool(int threads) {
			super(threads, threads, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>());
		}

		@Override
		public void execute(Runnable command) {
			this.executed.incrementAndGet();
			super.execute(command);
		}

		/** Keeps every thread busy until the returned latch is counted down. */
		CountDownLatch occupyAllThreads() {
			int threads = getCorePoolSize();
			CountDownLatch release = new CountDownLatch(1);
			CountDownLatch started = new CountDownLatch(threads);
			for (int i = 0; i < threads; i++) {
				super.execute(() -> {
					started.countDown();
					Pools.awaitIgnoringInterrupts(release);
				});
			}
			try {
				if (!started.await(10, SECONDS)) {
					throw new IllegalStateException("the pool's threads did not start");
				}
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new IllegalStateException(ex);
			}
			return release;
		}

	}

	/** Holds the runnables handed to it until released, then hands everything straight on. */
	static final class HeldExecutor implements Executor {

		final List<Runnable> held = new ArrayList<>();

		private final Executor target;

		private boolean released;

		HeldExecutor(Executor target) {
			this.target = target;
		}

		@Override
		public void execute(Runnable command) {
			synchronized (this) {
				if (!this.released) {
					this.held.add(command);
					return;
				}
			}
			this.target.execute(command);
		}

		void release() {
			List<Runnable> toRun;
			synchronized (this) {
				this.released = true;
				toRun = new ArrayList<>(this.held);
			}
			toRun.forEach(this.target::execute);
		}

	}

}
