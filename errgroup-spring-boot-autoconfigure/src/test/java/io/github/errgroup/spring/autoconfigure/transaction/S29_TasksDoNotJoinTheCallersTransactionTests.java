package io.github.errgroup.spring.autoconfigure.transaction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

import java.lang.reflect.Method;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;

import io.github.errgroup.ErrGroup;
import io.github.errgroup.ErrGroupFactory;
import io.github.errgroup.spring.autoconfigure.ErrGroupAutoConfiguration;
import io.github.errgroup.spring.autoconfigure.context.ErrGroupContextPropagationAutoConfiguration;
import io.github.errgroup.spring.autoconfigure.executor.ErrGroupExecutorAutoConfiguration;
import io.github.errgroup.spring.autoconfigure.web.WebTestSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledForJreRange;
import org.junit.jupiter.api.condition.JRE;
import org.slf4j.Logger;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.JdbcTemplateAutoConfiguration;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.transaction.autoconfigure.TransactionAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.core.task.SimpleAsyncTaskExecutor;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * S29, finding 1 of issue 13 replayed: a {@code @Transactional} method starts three tasks that each
 * insert a row with {@code JdbcTemplate}, awaits them, then throws. The caller's own rows are rolled
 * back; the tasks' rows survive, every call, whichever thread ran each task: a pool thread, a virtual
 * thread, or the awaiting thread itself (S15), which must not lend the caller's transaction to the
 * tasks it runs.
 *
 * <p>Which thread runs what is forced, not hoped for. On a pool of one thread, the first task is seen
 * to start on it (the caller is not awaiting yet) and holds it until the other two have run, which only
 * the awaiting thread can then do. On an executor that rejects every task, the awaiting thread runs all
 * three. On virtual threads, an executor allowed one task at a time, rejecting beyond, plays the busy
 * pool. Over H2 in memory, through the HikariCP pool Boot configures.
 */
class S29_TasksDoNotJoinTheCallersTransactionTests {

	private static final Logger measured = WebTestSupport.measurements(S29_TasksDoNotJoinTheCallersTransactionTests.class);

	private static final int CALLS = 20;

	private static final int TASKS = 3;

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class,
				DataSourceTransactionManagerAutoConfiguration.class, JdbcTemplateAutoConfiguration.class,
				TransactionAutoConfiguration.class, ErrGroupExecutorAutoConfiguration.class,
				ErrGroupAutoConfiguration.class, ErrGroupContextPropagationAutoConfiguration.class,
				ErrGroupTransactionAutoConfiguration.class))
		.withUserConfiguration(Orders.class);

	@Test
	void S29_onABusyOneThreadPool_theTasksTheAwaitingThreadRunsCommitAsThePoolThreadsDo() {
		this.runner.withPropertyValues("errgroup.executor.pool.core-size=1", "errgroup.executor.pool.max-size=1")
			.run((context) -> {
				Map<String, Long> ranOn = replay(context, Runnable::run);
				measured.debug("S29 one-thread pool: {} calls, tasks ran on {}; {} rows of {} survived every call",
						CALLS, ranOn, TASKS, TASKS);
				assertThat(ranOn).containsOnly(Map.entry("pool", (long) CALLS), Map.entry("waiter", 2L * CALLS));
			});
	}

	@Test
	void S29_onAnExecutorRejectingEverything_everyTaskRunsOnTheAwaitingThreadAndCommits() {
		this.runner.withUserConfiguration(ErrGroupTransactionAutoConfigurationTests.Rejecting.class).run((context) -> {
			context.getBean(Seen.class).firstOnExecutor = false;
			Map<String, Long> ranOn = replay(context, Runnable::run);
			measured.debug("S29 rejecting executor: {} calls, tasks ran on {}", CALLS, ranOn);
			assertThat(ranOn).containsOnly(Map.entry("waiter", (long) TASKS * CALLS));
		});
	}

	@Test
	@EnabledForJreRange(min = JRE.JAVA_21)
	void S29_onVirtualThreads_calledFromAVirtualThread_theTasksTheAwaitingThreadRunsCommitToo() {
		this.runner.withUserConfiguration(OnOneVirtualThreadAtATime.class).run((context) -> {
			SimpleAsyncTaskExecutor callers = new SimpleAsyncTaskExecutor("s29-caller-");
			callers.setVirtualThreads(true);
			Map<String, Long> ranOn = replay(context, (call) -> {
				Future<?> done = callers.submit(() -> {
					assertThat(isVirtual(Thread.currentThread())).isTrue();
					call.run();
				});
				try {
					done.get(30, TimeUnit.SECONDS);
				}
				catch (Exception ex) {
					throw new IllegalStateException(ex);
				}
			});
			measured.debug("S29 virtual threads: {} calls, tasks ran on {}", CALLS, ranOn);
			assertThat(ranOn).containsOnly(Map.entry("virtual", (long) CALLS), Map.entry("waiter", 2L * CALLS));
		});
	}

	/**
	 * Makes {@value #CALLS} calls, each on a thread {@code caller} provides; checks after each that the
	 * caller's rows are gone and the tasks' rows are all there, and returns where the tasks ran.
	 */
	private static Map<String, Long> replay(AssertableApplicationContext context, Executor caller)
			throws InterruptedException {
		assertThat(context).hasNotFailed();
		JdbcTemplate jdbc = context.getBean(JdbcTemplate.class);
		jdbc.execute("create table if not exists inserted (call_no int, writer varchar(20))");
		Orders orders = context.getBean(Orders.class);
		Object executor = context.getBean(ErrGroupExecutorAutoConfiguration.TASK_EXECUTOR_BEAN_NAME);
		for (int call = 0; call < CALLS; call++) {
			if (executor instanceof OneVirtualThreadAtATime oneAtATime) {
				oneAtATime.awaitIdle(); // the last call's virtual thread may still be ending
			}
			int callNo = call;
			caller.execute(() -> assertThatIllegalStateException().isThrownBy(() -> orders.insertThenFail(callNo))
				.withMessage("the caller fails after its tasks succeeded"));
			assertThat(jdbc.queryForList("select writer from inserted where call_no = ? order by writer", String.class,
					callNo))
				.as("rows surviving call %d", callNo)
				.containsExactly("task 1", "task 2", "task 3");
		}
		Seen seen = context.getBean(Seen.class);
		assertThat(seen.wrong).isEmpty();
		return seen.ranOn.stream().collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
	}

	private static boolean isVirtual(Thread thread) {
		try {
			Method isVirtual = Thread.class.getMethod("isVirtual"); // Java 21; this module compiles for 17
			return (boolean) isVirtual.invoke(thread);
		}
		catch (ReflectiveOperationException ex) {
			throw new IllegalStateException(ex);
		}
	}

	@Configuration(proxyBeanMethods = false)
	static class OnOneVirtualThreadAtATime {

		@Bean(name = ErrGroupExecutorAutoConfiguration.TASK_EXECUTOR_BEAN_NAME, defaultCandidate = false)
		OneVirtualThreadAtATime errGroupTaskExecutor() {
			return new OneVirtualThreadAtATime();
		}

	}

	/**
	 * Runs a task on a new virtual thread if none of its is running, else rejects it: the
	 * virtual-thread counterpart of a busy one-thread pool.
	 */
	static final class OneVirtualThreadAtATime implements Executor {

		private final Semaphore free = new Semaphore(1);

		private final SimpleAsyncTaskExecutor virtualThreads = new SimpleAsyncTaskExecutor("s29-virtual-");

		OneVirtualThreadAtATime() {
			this.virtualThreads.setVirtualThreads(true);
		}

		@Override
		public void execute(Runnable task) {
			if (!this.free.tryAcquire()) {
				throw new RejectedExecutionException("one virtual thread at a time");
			}
			this.virtualThreads.execute(() -> {
				try {
					task.run();
				}
				finally {
					this.free.release();
				}
			});
		}

		void awaitIdle() throws InterruptedException {
			assertThat(this.free.tryAcquire(30, TimeUnit.SECONDS)).isTrue();
			this.free.release();
		}

	}

	/** What the calls saw; a bean of its own, since the service is a proxy. */
	static final class Seen {

		final Queue<String> ranOn = new ConcurrentLinkedQueue<>();

		final Queue<String> wrong = new ConcurrentLinkedQueue<>();

		/** Whether the executor takes the first task of a call; one that rejects everything does not. */
		volatile boolean firstOnExecutor = true;

	}

	/** The application's service: a transaction that fans out, then fails. */
	@Import(Seen.class)
	static class Orders {

		private final JdbcTemplate jdbc;

		private final ErrGroupFactory groups;

		private final Seen seen;

		Orders(JdbcTemplate jdbc, ErrGroupFactory groups, Seen seen) {
			this.jdbc = jdbc;
			this.groups = groups;
			this.seen = seen;
		}

		@Transactional
		public void insertThenFail(int call) throws InterruptedException {
			Thread caller = Thread.currentThread();
			Object connection = TransactionSynchronizationManager.getResourceMap().values().iterator().next();
			this.jdbc.update("insert into inserted values (?, 'caller before')", call);
			try (ErrGroup group = this.groups.newGroup("s29-insert")) {
				CountDownLatch firstStarted = new CountDownLatch(1);
				CountDownLatch othersDone = new CountDownLatch(TASKS - 1);
				for (int task = 1; task <= TASKS; task++) {
					String writer = "task " + task;
					boolean first = task == 1;
					group.go(() -> {
						firstStarted.countDown();
						this.seen.ranOn.add(where(caller));
						if (TransactionSynchronizationManager.isActualTransactionActive()
								|| !TransactionSynchronizationManager.getResourceMap().isEmpty()) {
							this.seen.wrong.add(writer + " of call " + call + " saw the caller's transaction");
						}
						this.jdbc.update("insert into inserted values (?, ?)", call, writer);
						if (first) {
							// Holds its thread until the others have run; if it is the awaiting thread
							// itself (the executor rejected this task), they already have.
							if (!othersDone.await(30, TimeUnit.SECONDS)) {
								throw new IllegalStateException("the other tasks never ran");
							}
						}
						else {
							othersDone.countDown();
						}
					});
					if (first && this.seen.firstOnExecutor && !firstStarted.await(30, TimeUnit.SECONDS)) {
						// Not awaiting yet, so only the executor's thread can start it.
						this.seen.wrong.add("the first task of call " + call + " never started on the executor");
					}
				}
				group.await();
			}
			// The caller's transaction is its own again, on the same connection.
			if (!TransactionSynchronizationManager.isActualTransactionActive()
					|| TransactionSynchronizationManager.getResourceMap().values().iterator().next() != connection) {
				this.seen.wrong.add("call " + call + " lost its transaction while awaiting");
			}
			this.jdbc.update("insert into inserted values (?, 'caller after')", call);
			throw new IllegalStateException("the caller fails after its tasks succeeded");
		}

		private static String where(Thread caller) {
			Thread current = Thread.currentThread();
			if (current == caller) {
				return "waiter";
			}
			return current.getName().startsWith("errgroup-") ? "pool"
					: current.getName().startsWith("s29-virtual-") ? "virtual" : current.getName();
		}

	}

}
