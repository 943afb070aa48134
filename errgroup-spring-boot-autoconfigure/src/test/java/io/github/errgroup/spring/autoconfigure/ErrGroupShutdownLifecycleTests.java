package io.github.errgroup.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.github.errgroup.ErrGroup;
import io.github.errgroup.ErrGroupException;
import io.github.errgroup.ErrGroupFactory;
import io.github.errgroup.spring.autoconfigure.executor.ErrGroupExecutorAutoConfiguration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledForJreRange;
import org.junit.jupiter.api.condition.JRE;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.context.LifecycleAutoConfiguration;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.SmartLifecycle;
import org.springframework.scheduling.concurrent.ExecutorConfigurationSupport;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

/**
 * S23: closing the application context cancels open groups with a cause that says why, refuses new
 * ones, and does not wait for a blocked group.
 */
class ErrGroupShutdownLifecycleTests {

	/** Far below Boot's 30 s per shutdown phase, which is what a blocked group would cost. */
	private static final Duration PROMPTLY = Duration.ofSeconds(10);

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(LifecycleAutoConfiguration.class,
				TaskExecutionAutoConfiguration.class, ErrGroupExecutorAutoConfiguration.class,
				ErrGroupAutoConfiguration.class));

	@Test
	void S23_closeCancelsABlockedGroupPromptlyWithDefaultSettings() {
		this.runner.run((context) -> assertCloseCancelsBlockedGroup(context.getBean(ErrGroupFactory.class),
				context::close));
	}

	@Test
	void S23_closeCancelsABlockedGroupPromptlyWhenTheExecutorAwaitsTermination() {
		this.runner
			.withPropertyValues("errgroup.executor.shutdown.await-termination=true",
					"errgroup.executor.shutdown.await-termination-period=30s")
			.run((context) -> assertCloseCancelsBlockedGroup(context.getBean(ErrGroupFactory.class),
					context::close));
	}

	@Test
	@EnabledForJreRange(min = JRE.JAVA_21)
	void S23_closeCancelsABlockedGroupPromptlyOnVirtualThreads() {
		this.runner.withPropertyValues("errgroup.executor.virtual-threads=true")
			.run((context) -> assertCloseCancelsBlockedGroup(context.getBean(ErrGroupFactory.class),
					context::close));
	}

	@Test
	void S23_stoppingWithoutClosingLeavesTheFactoryOpenUntilClose() {
		this.runner.run((context) -> {
			ErrGroupFactory factory = context.getBean(ErrGroupFactory.class);
			context.stop();
			factory.newGroup("after-stop").close();
			context.start();
			assertCloseCancelsBlockedGroup(factory, context::close);
		});
	}

	@Test
	void S23_byDefault_thePhaseIsBeforeGracefulShutdownWaitsForRequests_andBeforeTheExecutorStops() {
		this.runner.run((context) -> {
			int phase = context.getBean(ErrGroupShutdownLifecycle.class).getPhase();
			// Lifecycles stop from the highest phase down.
			assertThat(phase).isGreaterThan(WebServerApplicationContext.GRACEFUL_SHUTDOWN_PHASE)
				.isLessThan(SmartLifecycle.DEFAULT_PHASE)
				.isGreaterThan(ExecutorConfigurationSupport.DEFAULT_PHASE)
				.isGreaterThan(context
					.getBean(ErrGroupExecutorAutoConfiguration.TASK_EXECUTOR_BEAN_NAME, ThreadPoolTaskExecutor.class)
					.getPhase());
		});
	}

	@Test
	void S23_afterGracefulShutdown_thePhaseIsAfterGracefulShutdownAndBeforeTheServerAndTheExecutorStop() {
		this.runner.withPropertyValues("errgroup.shutdown.after-graceful-shutdown=true").run((context) -> {
			int phase = context.getBean(ErrGroupShutdownLifecycle.class).getPhase();
			assertThat(phase).isLessThan(WebServerApplicationContext.GRACEFUL_SHUTDOWN_PHASE)
				.isGreaterThan(WebServerApplicationContext.START_STOP_LIFECYCLE_PHASE)
				.isGreaterThan(ExecutorConfigurationSupport.DEFAULT_PHASE)
				.isGreaterThan(context
					.getBean(ErrGroupExecutorAutoConfiguration.TASK_EXECUTOR_BEAN_NAME, ThreadPoolTaskExecutor.class)
					.getPhase());
		});
	}

	private static void assertCloseCancelsBlockedGroup(ErrGroupFactory factory, Runnable close) throws Exception {
		CountDownLatch started = new CountDownLatch(1);
		CompletableFuture<String> taskThread = new CompletableFuture<>();
		CompletableFuture<Throwable> outcome = new CompletableFuture<>();
		Thread owner = new Thread(() -> {
			try (ErrGroup group = factory.newGroup("blocked")) {
				group.go(() -> {
					taskThread.complete(Thread.currentThread().getName());
					started.countDown();
					new CountDownLatch(1).await(); // blocked until interrupted
				});
				// Only await once the task runs on the pool: a task the waiter ran would not hold the
				// executor's shutdown, and the test would prove nothing.
				started.await();
				group.await();
				outcome.complete(null);
			}
			catch (Throwable ex) {
				outcome.complete(ex);
			}
		}, "group-owner");
		owner.start();
		assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
		assertThat(taskThread.get()).startsWith("errgroup-");
		long start = System.nanoTime();
		close.run();
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(PROMPTLY);
		assertThat(outcome.get(30, TimeUnit.SECONDS)).isInstanceOf(ErrGroupException.class)
			.cause()
			.isInstanceOf(CancellationException.class)
			.hasMessageContaining("application is shutting down")
			.hasMessageContaining("'blocked'");
		assertThatIllegalStateException().isThrownBy(() -> factory.newGroup("late"))
			.withMessageContaining("shut down");
		owner.join(TimeUnit.SECONDS.toMillis(30));
	}

}
