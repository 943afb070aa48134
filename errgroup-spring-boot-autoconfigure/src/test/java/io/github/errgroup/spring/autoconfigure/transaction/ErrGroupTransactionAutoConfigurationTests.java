package io.github.errgroup.spring.autoconfigure.transaction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import io.github.errgroup.ErrGroup;
import io.github.errgroup.ErrGroupException;
import io.github.errgroup.ErrGroupFactory;
import io.github.errgroup.spring.ErrGroupFactoryBuilderCustomizer;
import io.github.errgroup.spring.autoconfigure.ErrGroupAutoConfiguration;
import io.github.errgroup.spring.autoconfigure.context.ErrGroupContextPropagationAutoConfiguration;
import io.github.errgroup.spring.autoconfigure.executor.ErrGroupExecutorAutoConfiguration;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.task.TaskDecorator;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * S29 at the level of {@link TransactionSynchronizationManager}: every piece of the awaiting thread's
 * state is hidden from a task it runs and restored exactly, whatever the task does; a pool thread is
 * left with nothing a task bound; the hiding wraps the application's decorators; a group opened inside
 * a transaction is reported once per name.
 */
@ExtendWith(OutputCaptureExtension.class)
class ErrGroupTransactionAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ErrGroupExecutorAutoConfiguration.class,
				ErrGroupAutoConfiguration.class, ErrGroupContextPropagationAutoConfiguration.class,
				ErrGroupTransactionAutoConfiguration.class));

	@AfterEach
	void clearThisThread() {
		TransactionSynchronizationManager.getResourceMap()
			.keySet()
			.forEach(TransactionSynchronizationManager::unbindResourceIfPossible);
		TransactionSynchronizationManager.clear();
	}

	@Test
	void S29_theAwaitingThreadsTransactionStateIsHiddenFromTheTaskItRunsAndRestoredExactly() {
		this.runner.withUserConfiguration(Rejecting.class).run((context) -> {
			Recording first = new Recording("first", 1);
			Recording second = new Recording("second", 2);
			TransactionSynchronizationManager.bindResource("dataSource", "the caller's connection");
			TransactionSynchronizationManager.bindResource("entityManagerFactory", "the caller's entity manager");
			TransactionSynchronizationManager.initSynchronization();
			TransactionSynchronizationManager.registerSynchronization(second);
			TransactionSynchronizationManager.registerSynchronization(first);
			TransactionSynchronizationManager.setCurrentTransactionName("the caller's transaction");
			TransactionSynchronizationManager.setCurrentTransactionReadOnly(true);
			TransactionSynchronizationManager.setCurrentTransactionIsolationLevel(8);
			TransactionSynchronizationManager.setActualTransactionActive(true);
			State before = State.ofThisThread();
			Thread waiter = Thread.currentThread();
			AtomicReference<State> seen = new AtomicReference<>();
			try (ErrGroup group = context.getBean(ErrGroupFactory.class).newGroup("s29")) {
				group.go(() -> {
					assertThat(Thread.currentThread()).isSameAs(waiter);
					seen.set(State.ofThisThread());
					leaveTransactionStateBehind();
					throw new IllegalStateException("the task failed");
				});
				assertThatExceptionOfType(ErrGroupException.class).isThrownBy(group::await);
			}
			assertThat(seen.get()).isEqualTo(State.NONE);
			assertThat(State.ofThisThread()).isEqualTo(before);
			assertThat(TransactionSynchronizationManager.getSynchronizations()).containsExactly(first, second);
			// Hidden, not suspended: the transaction's synchronizations are not told anything.
			assertThat(first.calls).isEmpty();
			assertThat(second.calls).isEmpty();
		});
	}

	@Test
	void S29_synchronizationsAndTransactionAttributesWithoutAResourceAreHiddenToo() {
		this.runner.withUserConfiguration(Rejecting.class).run((context) -> {
			// What PROPAGATION_SUPPORTS with SYNCHRONIZATION_ALWAYS leaves: no transaction, no resource.
			TransactionSynchronizationManager.initSynchronization();
			TransactionSynchronizationManager.setCurrentTransactionName("supports");
			TransactionSynchronizationManager.setCurrentTransactionReadOnly(true);
			TransactionSynchronizationManager.setCurrentTransactionIsolationLevel(2);
			State before = State.ofThisThread();
			AtomicReference<State> seen = new AtomicReference<>();
			try (ErrGroup group = context.getBean(ErrGroupFactory.class).newGroup("s29")) {
				group.go(() -> seen.set(State.ofThisThread()));
				group.await();
			}
			assertThat(seen.get()).isEqualTo(State.NONE);
			assertThat(State.ofThisThread()).isEqualTo(before);
		});
	}

	@Test
	void S29_whatATaskLeavesBoundIsClearedFromThePoolThreadAndLogged(CapturedOutput output) {
		this.runner.withPropertyValues("errgroup.executor.pool.core-size=1", "errgroup.executor.pool.max-size=1")
			.run((context) -> {
				CountDownLatch ran = new CountDownLatch(1);
				try (ErrGroup group = context.getBean(ErrGroupFactory.class).newGroup("s29")) {
					group.go(() -> {
						assertThat(Thread.currentThread().getName()).startsWith("errgroup-");
						leaveTransactionStateBehind();
						ran.countDown();
					});
					assertThat(ran.await(30, TimeUnit.SECONDS)).isTrue(); // on the pool, not this thread
					group.await();
				}
				assertThat(onThePoolThreadUndecorated(context)).isEqualTo(State.NONE);
				assertThat(output).contains("A group task left transaction state bound to thread errgroup-")
					.contains("resources [String, String], synchronizations 1, transaction 'the task's' active");
			});
	}

	@Test
	void S29_theHidingWrapsTheApplicationsDecorators_whichMayBindWhatTheCallerHasBound() {
		this.runner.withUserConfiguration(Rejecting.class, BindingDecorators.class).run((context) -> {
			TransactionSynchronizationManager.bindResource("bound by a TaskDecorator bean", "the caller's");
			TransactionSynchronizationManager.bindResource("bound by a builder customizer", "the caller's");
			State before = State.ofThisThread();
			AtomicReference<State> seen = new AtomicReference<>();
			try (ErrGroup group = context.getBean(ErrGroupFactory.class).newGroup("s29")) {
				group.go(() -> seen.set(State.ofThisThread()));
				group.await();
			}
			assertThat(seen.get().resources()).containsExactly(
					Map.entry("bound by a builder customizer", "the decorator's"),
					Map.entry("bound by a TaskDecorator bean", "the decorator's"));
			assertThat(State.ofThisThread()).isEqualTo(before);
		});
	}

	@Test
	void S29_aGroupOpenedInsideATransactionIsReportedOncePerName(CapturedOutput output) {
		this.runner.run((context) -> {
			ErrGroupFactory factory = context.getBean(ErrGroupFactory.class);
			open(factory, "outside-any-transaction");
			TransactionSynchronizationManager.setActualTransactionActive(true);
			TransactionSynchronizationManager.setCurrentTransactionName("OrderService.place");
			open(factory, "s29-orders");
			open(factory, "s29-orders");
			open(factory, "s29-stock");
			String log = output.toString();
			assertThat(log.split("Group 's29-orders' was opened inside transaction 'OrderService.place'", -1))
				.hasSize(2);
			assertThat(log).contains("Group 's29-stock' was opened inside transaction 'OrderService.place'")
				.contains("Transactions and JPA")
				.doesNotContain("outside-any-transaction");
		});
	}

	@Test
	void S29_needsSpringTx() {
		this.runner.withClassLoader(new FilteredClassLoader(TransactionSynchronizationManager.class))
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean("errGroupTransactionState"));
	}

	@Test
	void S29_offWithErrgroupEnabledFalse() {
		this.runner.withPropertyValues("errgroup.enabled=false")
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean("errGroupTransactionState"));
	}

	private static void open(ErrGroupFactory factory, String name) throws InterruptedException {
		try (ErrGroup group = factory.newGroup(name)) {
			group.await();
		}
	}

	/** A transaction begun by hand and never ended, and a resource bound by hand and never unbound. */
	private static void leaveTransactionStateBehind() {
		TransactionSynchronizationManager.bindResource("dataSource", "the task's connection");
		TransactionSynchronizationManager.bindResource("the task's own key", "the task's value");
		TransactionSynchronizationManager.initSynchronization();
		TransactionSynchronizationManager.registerSynchronization(new Recording("the task's", 0));
		TransactionSynchronizationManager.setCurrentTransactionName("the task's");
		TransactionSynchronizationManager.setActualTransactionActive(true);
	}

	/** What the one pool thread holds between tasks, seen by a runnable the factory did not wrap. */
	private static State onThePoolThreadUndecorated(AssertableApplicationContext context) throws Exception {
		Executor executor = context.getBean(ErrGroupExecutorAutoConfiguration.TASK_EXECUTOR_BEAN_NAME, Executor.class);
		FutureTask<State> task = new FutureTask<>(() -> {
			assertThat(Thread.currentThread().getName()).startsWith("errgroup-");
			return State.ofThisThread();
		});
		executor.execute(task);
		return task.get(30, TimeUnit.SECONDS);
	}

	/** Everything {@link TransactionSynchronizationManager} holds for the current thread. */
	record State(Map<Object, Object> resources, @Nullable List<TransactionSynchronization> synchronizations,
			@Nullable String name, boolean readOnly, @Nullable Integer isolation, boolean active) {

		static final State NONE = new State(Map.of(), null, null, false, null, false);

		static State ofThisThread() {
			return new State(new LinkedHashMap<>(TransactionSynchronizationManager.getResourceMap()),
					TransactionSynchronizationManager.isSynchronizationActive()
							? new ArrayList<>(TransactionSynchronizationManager.getSynchronizations()) : null,
					TransactionSynchronizationManager.getCurrentTransactionName(),
					TransactionSynchronizationManager.isCurrentTransactionReadOnly(),
					TransactionSynchronizationManager.getCurrentTransactionIsolationLevel(),
					TransactionSynchronizationManager.isActualTransactionActive());
		}

	}

	/** A synchronization that records the callbacks it gets. */
	static final class Recording implements TransactionSynchronization {

		final Queue<String> calls = new ConcurrentLinkedQueue<>();

		private final String name;

		private final int order;

		Recording(String name, int order) {
			this.name = name;
			this.order = order;
		}

		@Override
		public int getOrder() {
			return this.order;
		}

		@Override
		public void suspend() {
			this.calls.add("suspend");
		}

		@Override
		public void resume() {
			this.calls.add("resume");
		}

		@Override
		public String toString() {
			return this.name;
		}

	}

	/** An executor that rejects every task: the awaiting thread runs them all (S15). */
	@Configuration(proxyBeanMethods = false)
	static class Rejecting {

		@Bean(name = ErrGroupExecutorAutoConfiguration.TASK_EXECUTOR_BEAN_NAME, defaultCandidate = false)
		Executor errGroupTaskExecutor() {
			return (task) -> {
				throw new RejectedExecutionException("this executor rejects every task");
			};
		}

	}

	/**
	 * The application's decorators that bind a resource around each task, as one that opens a
	 * transaction for it would; binding a key the running thread already holds would throw.
	 */
	@Configuration(proxyBeanMethods = false)
	static class BindingDecorators {

		@Bean
		TaskDecorator bindingTaskDecorator() {
			return (task) -> () -> bound("bound by a TaskDecorator bean", task);
		}

		@Bean
		ErrGroupFactoryBuilderCustomizer bindingCustomizer() {
			return (builder) -> builder.taskDecorator((task) -> () -> bound("bound by a builder customizer", task));
		}

		private static void bound(String key, Runnable task) {
			TransactionSynchronizationManager.bindResource(key, "the decorator's");
			try {
				task.run();
			}
			finally {
				TransactionSynchronizationManager.unbindResource(key);
			}
		}

	}

}
