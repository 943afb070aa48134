package io.github.errgroup.spring.autoconfigure.executor;

import io.github.errgroup.spring.autoconfigure.ErrGroupProperties;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.task.SimpleAsyncTaskExecutorBuilder;
import org.springframework.boot.task.ThreadPoolTaskExecutorBuilder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.core.task.SimpleAsyncTaskExecutor;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

/**
 * {@link EnableAutoConfiguration Auto-configuration} for the executor that runs group tasks (S19): a
 * bean named {@value #TASK_EXECUTOR_BEAN_NAME}, configured by {@code errgroup.executor.*}.
 *
 * <p>On platform threads (the default) it is a {@link ThreadPoolTaskExecutor} built with Spring Boot's
 * {@link ThreadPoolTaskExecutorBuilder}, the way Boot builds its {@code applicationTaskExecutor}, so
 * Boot's task executor metrics publish {@code executor.*} gauges for it tagged
 * {@code name=errGroupTaskExecutor}. With {@code errgroup.executor.virtual-threads=true}, or when it is
 * not set and {@code spring.threads.virtual.enabled=true}, on Java 21 or later, it is a
 * {@link SimpleAsyncTaskExecutor} that starts a virtual thread per task, as Boot's own executor does
 * then; the pool settings do not apply. The bean is declared with {@code defaultCandidate = false}:
 * Boot's {@code applicationTaskExecutor} (and with it {@code @Async}) does not see it as the
 * application's executor and stays in place, and injection by type does not pick it up unless
 * qualified by name.
 *
 * <p>{@code TaskDecorator} beans are not set on this executor: the {@code ErrGroupFactory} applies them
 * to every group task at {@code go()}, so that they hold also when the awaiting thread runs the task,
 * and exactly once. An application bean named {@value #TASK_EXECUTOR_BEAN_NAME} replaces this one.
 */
@AutoConfiguration(
		beforeName = "org.springframework.boot.micrometer.metrics.autoconfigure.task.TaskExecutorMetricsAutoConfiguration")
@ConditionalOnBooleanProperty(name = "errgroup.enabled", matchIfMissing = true)
@EnableConfigurationProperties(ErrGroupProperties.class)
@Import({ ErrGroupExecutorAutoConfiguration.VirtualThreadsExecutorConfiguration.class,
		ErrGroupExecutorAutoConfiguration.ThreadPoolExecutorConfiguration.class })
public final class ErrGroupExecutorAutoConfiguration {

	/**
	 * Bean name of the executor that runs group tasks.
	 */
	public static final String TASK_EXECUTOR_BEAN_NAME = "errGroupTaskExecutor";

	ErrGroupExecutorAutoConfiguration() {
	}

	@Configuration(proxyBeanMethods = false)
	@Conditional(ThreadingCondition.OnVirtualThreads.class)
	static class VirtualThreadsExecutorConfiguration {

		@Bean(name = TASK_EXECUTOR_BEAN_NAME, defaultCandidate = false)
		@ConditionalOnMissingBean(name = TASK_EXECUTOR_BEAN_NAME)
		SimpleAsyncTaskExecutor errGroupTaskExecutor(ErrGroupProperties properties) {
			ErrGroupProperties.Executor executor = properties.getExecutor();
			ErrGroupProperties.Shutdown shutdown = executor.getShutdown();
			SimpleAsyncTaskExecutorBuilder builder = new SimpleAsyncTaskExecutorBuilder().virtualThreads(true)
				.threadNamePrefix(executor.getThreadNamePrefix());
			if (shutdown.isAwaitTermination()) {
				builder = builder.taskTerminationTimeout(shutdown.getAwaitTerminationPeriod());
			}
			return builder.build();
		}

	}

	@Configuration(proxyBeanMethods = false)
	@Conditional(ThreadingCondition.OnPlatformThreads.class)
	static class ThreadPoolExecutorConfiguration {

		private static final Log logger = LogFactory.getLog(ErrGroupExecutorAutoConfiguration.class);

		@Bean(name = TASK_EXECUTOR_BEAN_NAME, defaultCandidate = false)
		@ConditionalOnMissingBean(name = TASK_EXECUTOR_BEAN_NAME)
		ThreadPoolTaskExecutor errGroupTaskExecutor(ErrGroupProperties properties) {
			ErrGroupProperties.Executor executor = properties.getExecutor();
			ErrGroupProperties.Pool pool = executor.getPool();
			ErrGroupProperties.Shutdown shutdown = executor.getShutdown();
			warnIfSingleThreaded(pool);
			return new ThreadPoolTaskExecutorBuilder().threadNamePrefix(executor.getThreadNamePrefix())
				.corePoolSize(pool.getCoreSize())
				.maxPoolSize(pool.getMaxSize())
				.queueCapacity(pool.getQueueCapacity())
				.keepAlive(pool.getKeepAlive())
				.allowCoreThreadTimeOut(pool.isAllowCoreThreadTimeout())
				.awaitTermination(shutdown.isAwaitTermination())
				.awaitTerminationPeriod(shutdown.getAwaitTerminationPeriod())
				.build();
		}

		/**
		 * A thread pool starts threads beyond its core size only when its queue is full, and an
		 * unbounded queue never is: with no core threads it runs every task on the one thread it
		 * starts for the first, and a group's tasks wait on each other. Valid for a
		 * {@code ThreadPoolExecutor}, so not refused, but never what a fan-out wants.
		 */
		private static void warnIfSingleThreaded(ErrGroupProperties.Pool pool) {
			if (pool.getCoreSize() == 0 && pool.getQueueCapacity() == Integer.MAX_VALUE) {
				logger.warn("errgroup.executor.pool.core-size=0 with an unbounded "
						+ "errgroup.executor.pool.queue-capacity (the default) runs every group task on a single thread: the "
						+ "pool starts threads beyond its core size only when the queue is full, and an unbounded "
						+ "queue never is. Set errgroup.executor.pool.core-size to the number of threads tasks "
						+ "may run on, or errgroup.executor.pool.queue-capacity=0 to start a thread per task up to "
						+ "errgroup.executor.pool.max-size (idle threads end after "
						+ "errgroup.executor.pool.keep-alive).");
			}
		}

	}

}
