package io.github.errgroup.spring.autoconfigure.executor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import io.github.errgroup.ErrGroup;
import io.github.errgroup.ErrGroupFactory;
import io.github.errgroup.Task;
import io.github.errgroup.spring.autoconfigure.ErrGroupAutoConfiguration;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledForJreRange;
import org.junit.jupiter.api.condition.JRE;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.task.TaskExecutorMetricsAutoConfiguration;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.core.task.SimpleAsyncTaskExecutor;
import org.springframework.core.task.TaskExecutor;
import org.springframework.scheduling.annotation.Async;
import org.springframework.scheduling.annotation.EnableAsync;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

/**
 * S19: the {@code errGroupTaskExecutor} bean, its properties, its place beside Boot's
 * {@code applicationTaskExecutor}, its metrics, and virtual threads.
 */
@ExtendWith(OutputCaptureExtension.class)
class ErrGroupExecutorAutoConfigurationTests {

	private static final String SINGLE_THREAD_WARNING = "runs every group task on a single thread";

	private static final String BEAN = ErrGroupExecutorAutoConfiguration.TASK_EXECUTOR_BEAN_NAME;

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ErrGroupExecutorAutoConfiguration.class,
				ErrGroupAutoConfiguration.class, TaskExecutionAutoConfiguration.class));

	@Test
	void S19_defaultsMirrorSpringTaskExecution() {
		this.runner.run((context) -> {
			ThreadPoolTaskExecutor executor = context.getBean(BEAN, ThreadPoolTaskExecutor.class);
			assertThat(executor.getThreadNamePrefix()).isEqualTo("errgroup-");
			assertThat(executor.getCorePoolSize()).isEqualTo(8);
			assertThat(executor.getMaxPoolSize()).isEqualTo(Integer.MAX_VALUE);
			assertThat(executor.getQueueCapacity()).isEqualTo(Integer.MAX_VALUE);
			assertThat(executor.getKeepAliveSeconds()).isEqualTo(60);
			assertThat(executor.getThreadPoolExecutor().allowsCoreThreadTimeOut()).isTrue();
			assertThat(executor).hasFieldOrPropertyWithValue("waitForTasksToCompleteOnShutdown", false)
				.hasFieldOrPropertyWithValue("awaitTerminationMillis", 0L);
			assertThat(runOnExecutor(context)).startsWith("errgroup-");
		});
	}

	@Test
	void S19_zeroCoreThreadsWithAnUnboundedQueueWarnsNamingBothProperties(CapturedOutput output) {
		this.runner.withPropertyValues("errgroup.executor.pool.core-size=0").run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(output).containsOnlyOnce(SINGLE_THREAD_WARNING)
				.contains("errgroup.executor.pool.core-size=0")
				.contains("errgroup.executor.pool.queue-capacity (the default)")
				.contains("Set errgroup.executor.pool.core-size to the number of threads")
				.contains("errgroup.executor.pool.queue-capacity=0");
		});
	}

	@Test
	void S19_noSingleThreadWarningWithDefaultsOrABoundedQueue(CapturedOutput output) {
		this.runner.run((context) -> assertThat(context).hasNotFailed());
		this.runner.withPropertyValues("errgroup.executor.pool.core-size=0", "errgroup.executor.pool.queue-capacity=0")
			.run((context) -> assertThat(context).hasNotFailed());
		this.runner.withPropertyValues("errgroup.executor.pool.core-size=0", "errgroup.executor.pool.queue-capacity=50")
			.run((context) -> assertThat(context).hasNotFailed());
		assertThat(output).doesNotContain(SINGLE_THREAD_WARNING);
	}

	@Test
	@EnabledForJreRange(min = JRE.JAVA_21)
	void S19_noSingleThreadWarningOnVirtualThreads(CapturedOutput output) {
		this.runner.withPropertyValues("errgroup.executor.virtual-threads=true", "errgroup.executor.pool.core-size=0")
			.run((context) -> assertThat(context.getBean(BEAN)).isInstanceOf(SimpleAsyncTaskExecutor.class));
		assertThat(output).doesNotContain(SINGLE_THREAD_WARNING);
	}

	@Test
	void S19_everyExecutorPropertyReachesTheExecutor() {
		this.runner
			.withPropertyValues("errgroup.executor.thread-name-prefix=fan-out-", "errgroup.executor.pool.core-size=3",
					"errgroup.executor.pool.max-size=7", "errgroup.executor.pool.queue-capacity=11",
					"errgroup.executor.pool.keep-alive=5m", "errgroup.executor.pool.allow-core-thread-timeout=false",
					"errgroup.executor.shutdown.await-termination=true",
					"errgroup.executor.shutdown.await-termination-period=42s")
			.run((context) -> {
				ThreadPoolTaskExecutor executor = context.getBean(BEAN, ThreadPoolTaskExecutor.class);
				ThreadPoolExecutor pool = executor.getThreadPoolExecutor();
				assertThat(executor.getThreadNamePrefix()).isEqualTo("fan-out-");
				assertThat(pool.getCorePoolSize()).isEqualTo(3);
				assertThat(pool.getMaximumPoolSize()).isEqualTo(7);
				assertThat(pool.getQueue().remainingCapacity()).isEqualTo(11);
				assertThat(pool.getKeepAliveTime(TimeUnit.SECONDS)).isEqualTo(300);
				assertThat(pool.allowsCoreThreadTimeOut()).isFalse();
				assertThat(executor).hasFieldOrPropertyWithValue("waitForTasksToCompleteOnShutdown", true)
					.hasFieldOrPropertyWithValue("awaitTerminationMillis", 42_000L);
				assertThat(runOnExecutor(context)).startsWith("fan-out-");
			});
	}

	@Test
	void S19_applicationTaskExecutorStillExistsAndIsTheOneInjectedByType() {
		this.runner.run((context) -> {
			assertThat(context).hasBean("applicationTaskExecutor").hasBean(BEAN);
			assertThat(context.getBean(TaskExecutor.class)).isSameAs(context.getBean("applicationTaskExecutor"));
			assertThat(context.getBean(Executor.class)).isSameAs(context.getBean("applicationTaskExecutor"));
		});
	}

	@Test
	void S19_asyncMethodsStillRunOnTheApplicationTaskExecutor() {
		this.runner.withUserConfiguration(AsyncConfiguration.class).run((context) -> {
			String thread = context.getBean(AsyncService.class).threadName().get(30, TimeUnit.SECONDS);
			assertThat(thread).startsWith("task-");
		});
	}

	@Test
	void S19_applicationBeanNamedErrGroupTaskExecutorReplacesIt() {
		this.runner.withUserConfiguration(OwnExecutorConfiguration.class).run((context) -> {
			assertThat(context.getBean(BEAN)).isSameAs(OwnExecutorConfiguration.EXECUTOR);
			assertThat(runOnExecutor(context)).startsWith("own-");
		});
	}

	@Test
	void S19_bootPublishesExecutorMetricsTaggedWithTheBeanName() {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(MetricsAutoConfiguration.class,
					SimpleMetricsExportAutoConfiguration.class, TaskExecutionAutoConfiguration.class,
					TaskExecutorMetricsAutoConfiguration.class, ErrGroupExecutorAutoConfiguration.class,
					ErrGroupAutoConfiguration.class))
			.withPropertyValues("errgroup.executor.pool.core-size=3", "errgroup.executor.pool.max-size=5",
					"errgroup.executor.pool.queue-capacity=10")
			.run((context) -> {
				MeterRegistry registry = context.getBean(MeterRegistry.class);
				assertThat(registry.get("executor.pool.core").tag("name", BEAN).gauge().value()).isEqualTo(3);
				assertThat(registry.get("executor.pool.max").tag("name", BEAN).gauge().value()).isEqualTo(5);
				assertThat(registry.get("executor.queue.remaining").tag("name", BEAN).gauge().value())
					.isEqualTo(10);
				assertThat(registry.get("executor.active").tag("name", BEAN).gauge()).isNotNull();
				assertThat(registry.find("executor.pool.core").tag("name", "applicationTaskExecutor").gauge())
					.isNotNull();
			});
	}

	@Test
	@EnabledForJreRange(min = JRE.JAVA_21)
	void S19_virtualThreadsPropertyRunsTasksOnVirtualThreads() {
		this.runner.withPropertyValues("errgroup.executor.virtual-threads=true").run((context) -> {
			assertThat(context.getBean(BEAN)).isInstanceOf(SimpleAsyncTaskExecutor.class);
			assertThat(runOnExecutorThread(context)).satisfies((thread) -> {
				assertThat(isVirtual(thread)).isTrue();
				assertThat(thread.getName()).startsWith("errgroup-");
			});
			assertThat(context).hasBean("applicationTaskExecutor");
		});
	}

	@Test
	@EnabledForJreRange(min = JRE.JAVA_21)
	void S19_springThreadsVirtualEnabledRunsTasksOnVirtualThreads() {
		this.runner.withPropertyValues("spring.threads.virtual.enabled=true").run((context) -> {
			assertThat(context.getBean(BEAN)).isInstanceOf(SimpleAsyncTaskExecutor.class);
			assertThat(isVirtual(runOnExecutorThread(context))).isTrue();
		});
	}

	@Test
	@EnabledForJreRange(min = JRE.JAVA_21)
	void S19_virtualThreadsFalseWinsOverSpringThreadsVirtualEnabled() {
		this.runner
			.withPropertyValues("spring.threads.virtual.enabled=true", "errgroup.executor.virtual-threads=false")
			.run((context) -> {
				assertThat(context.getBean(BEAN)).isInstanceOf(ThreadPoolTaskExecutor.class);
				assertThat(isVirtual(runOnExecutorThread(context))).isFalse();
			});
	}

	@Test
	@EnabledForJreRange(max = JRE.JAVA_20)
	void S19_virtualThreadsPropertyFailsStartUpBeforeJava21() {
		this.runner.withPropertyValues("errgroup.executor.virtual-threads=true").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause()
				.hasMessageContaining("errgroup.executor.virtual-threads")
				.hasMessageContaining("virtual threads need Java 21 or later");
		});
	}

	@Test
	@EnabledForJreRange(max = JRE.JAVA_20)
	void S19_springThreadsVirtualEnabledIsIgnoredBeforeJava21() {
		this.runner.withPropertyValues("spring.threads.virtual.enabled=true").run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context.getBean(BEAN)).isInstanceOf(ThreadPoolTaskExecutor.class);
			assertThat(runOnExecutor(context)).startsWith("errgroup-");
		});
	}

	/** Runs a group task on the executor (not on the waiter) and returns its thread's name. */
	/**
	 * S19 with issue 15: the factory knows the pool's parallelism through Spring's wrapper. With both
	 * core threads busy, a fan-out of 50 leaves 2 runnables in the pool's queue, not 50, and every task
	 * still runs once the pool frees (the owner's await() helps, S15).
	 */
	@Test
	void S19_aGroupHandsThePoolAsManyRunnablesAsItHasCoreThreads() {
		this.runner.withPropertyValues("errgroup.executor.pool.core-size=2", "errgroup.executor.pool.max-size=2")
			.run((context) -> {
				ThreadPoolTaskExecutor executor = context.getBean(BEAN, ThreadPoolTaskExecutor.class);
				ThreadPoolExecutor pool = executor.getThreadPoolExecutor();
				CountDownLatch release = new CountDownLatch(1);
				CountDownLatch started = new CountDownLatch(2);
				for (int i = 0; i < 2; i++) {
					executor.execute(() -> {
						started.countDown();
						try {
							release.await(30, TimeUnit.SECONDS);
						}
						catch (InterruptedException ex) {
							Thread.currentThread().interrupt();
						}
					});
				}
				assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
				ErrGroupFactory factory = context.getBean(ErrGroupFactory.class);
				java.util.List<Task<Void>> tasks = new java.util.ArrayList<>();
				try (ErrGroup group = factory.newGroup("fan-out")) {
					for (int i = 0; i < 50; i++) {
						tasks.add(group.go(() -> {
						}));
					}
					assertThat(pool.getQueue()).as("runnables waiting for the busy pool").hasSize(2);
					release.countDown();
					group.await();
				}
				assertThat(tasks).allSatisfy((task) -> assertThat(task.state()).isEqualTo(Task.State.SUCCESS));
			});
	}

	private static String runOnExecutor(AssertableApplicationContext context) throws InterruptedException {
		return runOnExecutorThread(context).getName();
	}

	private static Thread runOnExecutorThread(AssertableApplicationContext context) throws InterruptedException {
		ErrGroupFactory factory = context.getBean(ErrGroupFactory.class);
		CountDownLatch ran = new CountDownLatch(1);
		try (ErrGroup group = factory.newGroup("probe")) {
			Task<Thread> thread = group.go(() -> {
				ran.countDown();
				return Thread.currentThread();
			});
			assertThat(ran.await(30, TimeUnit.SECONDS)).isTrue();
			group.await();
			return thread.resultNow();
		}
	}

	/** {@code Thread.isVirtual()}, which the Java 17 API this module compiles against does not have. */
	private static boolean isVirtual(Thread thread) throws ReflectiveOperationException {
		return (boolean) Thread.class.getMethod("isVirtual").invoke(thread);
	}

	@Configuration(proxyBeanMethods = false)
	@EnableAsync
	@Import(AsyncService.class)
	static class AsyncConfiguration {

	}

	static class AsyncService {

		@Async
		public CompletableFuture<String> threadName() {
			return CompletableFuture.completedFuture(Thread.currentThread().getName());
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class OwnExecutorConfiguration {

		static final SimpleAsyncTaskExecutor EXECUTOR = new SimpleAsyncTaskExecutor("own-");

		@Bean(BEAN)
		Executor errGroupTaskExecutor() {
			return EXECUTOR;
		}

	}

}
