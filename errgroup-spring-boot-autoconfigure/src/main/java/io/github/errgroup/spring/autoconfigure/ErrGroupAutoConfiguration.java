package io.github.errgroup.spring.autoconfigure;

import java.util.concurrent.Executor;

import io.github.errgroup.ErrGroupFactory;
import io.github.errgroup.GroupCustomizer;
import io.github.errgroup.GroupListener;
import io.github.errgroup.spring.ErrGroupFactories;
import io.github.errgroup.spring.ErrGroupFactoryBuilderCustomizer;
import io.github.errgroup.spring.autoconfigure.executor.ErrGroupExecutorAutoConfiguration;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.core.task.TaskDecorator;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

/**
 * {@link EnableAutoConfiguration Auto-configuration} for the {@link ErrGroupFactory} (S18, S20, S23).
 *
 * <p>The factory runs tasks on the {@value ErrGroupExecutorAutoConfiguration#TASK_EXECUTOR_BEAN_NAME}
 * bean and is built, in this order, from the {@link GroupListener} beans, the {@link TaskDecorator}
 * beans (each wraps every group task once, at {@code go()}, whichever thread runs it; the first is
 * innermost, as in Spring's {@code CompositeTaskDecorator}), the group profiles of
 * {@code errgroup.defaults.*} and {@code errgroup.groups.<name>.*}, the {@link GroupCustomizer} beans
 * (which therefore override the profiles) and the {@link ErrGroupFactoryBuilderCustomizer} beans. Beans
 * of each kind are applied in {@link org.springframework.core.annotation.Order @Order}.
 *
 * <p>Backs off when the application defines its own {@code ErrGroupFactory}; everything is off with
 * {@code errgroup.enabled=false}. When the context closes, the open groups of every
 * {@code ErrGroupFactory} bean (the application's own too) are cancelled with a cause saying so and new
 * groups are refused, after the web server's graceful shutdown and before the executor stops.
 */
@AutoConfiguration(after = ErrGroupExecutorAutoConfiguration.class)
@ConditionalOnBooleanProperty(name = "errgroup.enabled", matchIfMissing = true)
@EnableConfigurationProperties(ErrGroupProperties.class)
public final class ErrGroupAutoConfiguration {

	ErrGroupAutoConfiguration() {
	}

	@Bean
	@ConditionalOnMissingBean
	ErrGroupFactory errGroupFactory(
			@Qualifier(ErrGroupExecutorAutoConfiguration.TASK_EXECUTOR_BEAN_NAME) Executor errGroupTaskExecutor,
			ErrGroupProperties properties, ObjectProvider<GroupListener> listeners,
			ObjectProvider<TaskDecorator> taskDecorators, ObjectProvider<GroupCustomizer> customizers,
			ObjectProvider<ErrGroupFactoryBuilderCustomizer> builderCustomizers) {
		ErrGroupFactory.Builder builder = ErrGroupFactory.builder().executor(errGroupTaskExecutor);
		if (errGroupTaskExecutor instanceof ThreadPoolTaskExecutor pool) {
			// The core reads a pool's parallelism from a ThreadPoolExecutor, not through Spring's wrapper:
			// a group then hands the pool that many runnables at most, each running the group's tasks in
			// turn (queue-capacity 0: one per task). Boot's executor.* meters count those runnables;
			// errgroup.tasks.* count the tasks.
			builder.executorParallelism(ErrGroupFactory.parallelismOf(pool.getThreadPoolExecutor()));
		}
		listeners.orderedStream().forEach(builder::listener);
		// Applied here, at go(), and not on the executor: a task that the awaiting thread runs (S15)
		// never passes through the executor, and one that does must not be decorated twice.
		taskDecorators.orderedStream().forEach((decorator) -> builder.taskDecorator(decorator::decorate));
		builder.customizer(new GroupProfileCustomizer(properties));
		customizers.orderedStream().forEach(builder::customizer);
		builderCustomizers.orderedStream().forEach((customizer) -> customizer.customize(builder));
		return builder.build();
	}

	/**
	 * The one lookup of every {@code ErrGroupFactory} bean, for the shutdown, the gauges and the
	 * endpoint.
	 */
	@Bean
	ErrGroupFactories errGroupFactories(ObjectProvider<ErrGroupFactory> factories) {
		return new ErrGroupFactories(factories);
	}

	@Bean
	ErrGroupShutdownLifecycle errGroupShutdownLifecycle(ErrGroupFactories factories, ErrGroupProperties properties) {
		return new ErrGroupShutdownLifecycle(factories, properties.getShutdown().isAfterGracefulShutdown());
	}

}
