package io.github.errgroup.benchmarks;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionService;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import io.github.errgroup.ErrGroup;
import io.github.errgroup.ErrGroupException;
import io.github.errgroup.ErrGroupFactory;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Cancel latency: {@value #SIBLINGS} siblings are parked (blocked, interruptibly, on a latch that
 * never opens); one more task fails. The parking happens in a per-invocation setup, outside the
 * measurement. The pool has a thread for every task, so no task waits for a thread.
 *
 * <p>Two clocks. JMH's ({@code SampleTime}): from the benchmark method's start, so it includes handing
 * the failing task to the pool and running it. {@link CancelProbe}'s, the one the target is about: from
 * the moment the failing task fails (it reads {@code System.nanoTime()} just before throwing) to the
 * moment the owner's wait returns with every sibling ended ({@code await}), and to the moment the last
 * sibling sees its interrupt ({@code siblings}); per iteration, per fork.
 *
 * <ul>
 * <li>{@code rawExecutor}, the hand-written fail-fast: an {@link ExecutorCompletionService} takes the first
 * completion, sees the failure, {@code cancel(true)}s the others and waits on a latch that each sibling
 * counts down as it ends (a cancelled {@code Future} alone says nothing about the thread having
 * finished).</li>
 * <li>{@code errGroup}: {@code go(failing)}, then {@code await()}, which throws once every task has
 * ended (S1, S3).</li>
 * </ul>
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 2)
@Fork(value = 2, jvmArgsAppend = { "-Xms1g", "-Xmx1g" })
public class CancelLatencyBenchmark {

	static final int SIBLINGS = 15;

	/** The executor both contenders use, a thread per task. */
	@State(Scope.Benchmark)
	public static class Pool {

		ThreadPoolExecutor executor;

		@Setup(Level.Trial)
		public void setUp() {
			this.executor = Pools.fixed(SIBLINGS + 1, "cancel");
		}

		@TearDown(Level.Trial)
		public void tearDown() throws InterruptedException {
			Pools.shutdown(this.executor);
		}

	}

	@State(Scope.Thread)
	public static class RawSiblings extends CancelProbe {

		CompletionService<Object> completions;

		List<Future<Object>> siblings;

		CountDownLatch finished;

		@Setup(Level.Invocation)
		public void park(Pool pool) throws InterruptedException {
			this.completions = new ExecutorCompletionService<>(pool.executor);
			this.siblings = new ArrayList<>(SIBLINGS);
			CountDownLatch parked = new CountDownLatch(SIBLINGS);
			CountDownLatch ended = new CountDownLatch(SIBLINGS);
			for (int i = 0; i < SIBLINGS; i++) {
				this.siblings.add(this.completions.submit(() -> {
					try {
						parked.countDown();
						Work.NEVER.await();
						return null;
					}
					catch (InterruptedException ex) {
						sawInterrupt();
						throw ex;
					}
					finally {
						ended.countDown();
					}
				}));
			}
			this.finished = ended;
			parked.await();
		}

	}

	/**
	 * The group's side, on the executor a subclass gives the {@link #factory}: before each invocation,
	 * {@value #SIBLINGS} siblings parked in a new group.
	 */
	public abstract static class ParkedGroup extends CancelProbe {

		ErrGroupFactory factory;

		ErrGroup group;

		@Setup(Level.Invocation)
		public void park() throws InterruptedException {
			this.group = this.factory.newGroup("cancel-latency");
			CountDownLatch parked = new CountDownLatch(SIBLINGS);
			for (int i = 0; i < SIBLINGS; i++) {
				this.group.go(() -> {
					parked.countDown();
					try {
						Work.NEVER.await();
					}
					catch (InterruptedException ex) {
						sawInterrupt();
						throw ex;
					}
				});
			}
			parked.await();
		}

	}

	@State(Scope.Thread)
	public static class GroupSiblings extends ParkedGroup {

		@Setup(Level.Trial)
		public void setUp(Pool pool) {
			this.factory = ErrGroupFactory.create(pool.executor);
		}

		@TearDown(Level.Trial)
		public void tearDown() {
			this.factory.close();
		}

	}

	@Benchmark
	public Object rawExecutor(RawSiblings s) throws InterruptedException {
		s.completions.submit(s.fail);
		Future<Object> first = s.completions.take();
		try {
			first.get();
		}
		catch (ExecutionException expected) {
			for (Future<Object> sibling : s.siblings) {
				sibling.cancel(true);
			}
			s.finished.await();
			s.returned();
			return expected;
		}
		throw new AssertionError("a parked sibling completed first");
	}

	@Benchmark
	public Object errGroup(GroupSiblings s) {
		return failAndAwait(s);
	}

	/** The errGroup contender: one more task fails; {@code await()} throws once every sibling has ended. */
	static Object failAndAwait(ParkedGroup s) {
		s.group.go(s.fail);
		try {
			s.group.await();
		}
		catch (ErrGroupException expected) {
			s.returned();
			return expected;
		}
		throw new AssertionError("await() returned normally although a task failed");
	}

}
