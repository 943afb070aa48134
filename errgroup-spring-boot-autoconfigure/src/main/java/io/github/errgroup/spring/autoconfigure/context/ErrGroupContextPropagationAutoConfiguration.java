package io.github.errgroup.spring.autoconfigure.context;

import io.github.errgroup.spring.ErrGroupFactoryBuilderCustomizer;
import io.github.errgroup.spring.autoconfigure.ErrGroupAutoConfiguration;
import io.micrometer.context.ContextRegistry;
import io.micrometer.context.ContextSnapshotFactory;
import io.micrometer.context.ThreadLocalAccessor;
import io.micrometer.context.integration.Slf4jThreadLocalAccessor;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.i18n.LocaleContextThreadLocalAccessor;
import org.springframework.core.io.ResourceLoader;
import org.springframework.core.task.support.ContextPropagatingTaskDecorator;
import org.springframework.util.ClassUtils;
import org.springframework.web.context.request.RequestAttributesThreadLocalAccessor;

/**
 * {@link EnableAutoConfiguration Auto-configuration} that carries the submitting thread's context into
 * group tasks (S22): Spring's {@link ContextPropagatingTaskDecorator} over Micrometer's
 * context-propagation, with every {@link ThreadLocalAccessor} of the application's
 * {@link ContextRegistry} (the current Observation, hence the trace, and Spring Security's
 * {@code SecurityContext}, which register themselves, and whatever the application registered), plus
 * the accessors that Spring and Micrometer ship but nobody registers: the SLF4J {@code MDC}, Spring's
 * {@code RequestAttributes} and {@code LocaleContext}, each when its library is present.
 *
 * <p>It is an {@link ErrGroupFactoryBuilderCustomizer} that adds a task decorator to the
 * {@code ErrGroupFactory}, not a {@code TaskDecorator} bean: the context reaches errgroup tasks only,
 * and Spring Boot's {@code applicationTaskExecutor} and the application's other executors are left as
 * they were. The context is captured on the thread that calls {@code go()} and set on the thread that
 * runs the task, whichever it is (a pool thread, or the awaiting thread itself); a value the submitter
 * did not have is cleared for the task rather than left as the running thread had it, and the running
 * thread's own values are restored afterwards, so that nothing of one task is visible to the next
 * (S16, S29). An application bean named {@code errGroupContextPropagation} replaces it.
 *
 * <p>The customizer is unordered and registered after the application's beans, so it comes after them
 * and the propagation wraps their decorators: the {@code TaskDecorator} beans, and decorators added by
 * the application's customizers, already run in the submitter's context. Only the hiding of the
 * running thread's transaction state (S29, {@code ErrGroupTransactionAutoConfiguration}) wraps it.
 *
 * <p>context-propagation is a dependency of this module; an application that excludes it gets no
 * context in its group tasks (but for its own {@code TaskDecorator} beans).
 */
@AutoConfiguration(before = ErrGroupAutoConfiguration.class)
@ConditionalOnClass(ContextSnapshotFactory.class)
@ConditionalOnBooleanProperty(name = "errgroup.enabled", matchIfMissing = true)
public final class ErrGroupContextPropagationAutoConfiguration {

	ErrGroupContextPropagationAutoConfiguration() {
	}

	@Bean
	@ConditionalOnMissingBean(name = "errGroupContextPropagation")
	ErrGroupFactoryBuilderCustomizer errGroupContextPropagation(ResourceLoader resourceLoader) {
		ContextSnapshotFactory snapshots = ContextSnapshotFactory.builder()
			.contextRegistry(registry(resourceLoader.getClassLoader()))
			.clearMissing(true)
			.build();
		ContextPropagatingTaskDecorator decorator = new ContextPropagatingTaskDecorator(snapshots);
		return (builder) -> builder.taskDecorator(decorator::decorate);
	}

	/**
	 * errgroup's own registry, so that the accessors added here reach errgroup tasks only, and not,
	 * say, Reactor's automatic context propagation. It holds the application's accessors as they are
	 * when the factory is built.
	 */
	private static ContextRegistry registry(@Nullable ClassLoader classLoader) {
		ContextRegistry registry = new ContextRegistry();
		registry.registerThreadLocalAccessor(new LocaleContextThreadLocalAccessor());
		if (ClassUtils.isPresent("org.springframework.web.context.request.RequestContextHolder", classLoader)) {
			registry.registerThreadLocalAccessor(Web.requestAttributes());
		}
		if (ClassUtils.isPresent("org.slf4j.MDC", classLoader)) {
			registry.registerThreadLocalAccessor(Slf4j.mdc());
		}
		// Last: an accessor the application registered under one of the keys above replaces errgroup's.
		ContextRegistry.getInstance().getThreadLocalAccessors().forEach(registry::registerThreadLocalAccessor);
		return registry;
	}

	/** Loaded only when Spring Web is present. */
	private static final class Web {

		static ThreadLocalAccessor<?> requestAttributes() {
			return new RequestAttributesThreadLocalAccessor();
		}

	}

	/** Loaded only when SLF4J is present. */
	private static final class Slf4j {

		static ThreadLocalAccessor<?> mdc() {
			return new Slf4jThreadLocalAccessor();
		}

	}

}
