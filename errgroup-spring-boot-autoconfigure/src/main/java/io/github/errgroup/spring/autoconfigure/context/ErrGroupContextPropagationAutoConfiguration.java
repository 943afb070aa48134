package io.github.errgroup.spring.autoconfigure.context;

import io.github.errgroup.spring.ErrGroupFactoryBuilderCustomizer;
import io.github.errgroup.spring.autoconfigure.ErrGroupAutoConfiguration;
import io.micrometer.context.ContextSnapshotFactory;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.task.support.ContextPropagatingTaskDecorator;

/**
 * {@link EnableAutoConfiguration Auto-configuration} that carries the submitting thread's context into
 * group tasks (S22), for each library the application has: the SLF4J {@code MDC}, Spring Security's
 * {@code SecurityContext}, Spring's {@code RequestAttributes} and {@code LocaleContext}, and every
 * Micrometer context-propagation {@code ThreadLocalAccessor} (the Observation, hence the trace).
 *
 * <p>Each is an {@link ErrGroupFactoryBuilderCustomizer} that adds a task decorator to the
 * {@code ErrGroupFactory}, not a {@code TaskDecorator} bean: the context reaches errgroup tasks only,
 * and Spring Boot's {@code applicationTaskExecutor} and the application's other executors are left as
 * they were. The context is captured on the thread that calls {@code go()}, set on the thread that
 * runs the task, whichever it is (a pool thread, or the awaiting thread itself), and that thread's
 * previous context is restored afterwards, so nothing of one task is visible to the next (S16). An
 * application bean with the same name replaces each one.
 *
 * <p>The customizers are unordered and registered after the application's beans, so they come last
 * and the propagation is the outermost decorator: the {@code TaskDecorator} beans, and decorators
 * added by the application's customizers, already run in the submitter's context.
 */
@AutoConfiguration(before = ErrGroupAutoConfiguration.class)
@ConditionalOnBooleanProperty(name = "errgroup.enabled", matchIfMissing = true)
public final class ErrGroupContextPropagationAutoConfiguration {

	ErrGroupContextPropagationAutoConfiguration() {
	}

	@Bean
	@ConditionalOnMissingBean(name = "errGroupLocaleContextPropagation")
	ErrGroupFactoryBuilderCustomizer errGroupLocaleContextPropagation() {
		return (builder) -> builder.taskDecorator(new LocaleContextPropagation());
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = "org.slf4j.MDC")
	static class MdcPropagationConfiguration {

		@Bean
		@ConditionalOnMissingBean(name = "errGroupMdcPropagation")
		ErrGroupFactoryBuilderCustomizer errGroupMdcPropagation() {
			return (builder) -> builder.taskDecorator(new MdcPropagation());
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = "org.springframework.security.core.context.SecurityContextHolder")
	static class SecurityContextPropagationConfiguration {

		@Bean
		@ConditionalOnMissingBean(name = "errGroupSecurityContextPropagation")
		ErrGroupFactoryBuilderCustomizer errGroupSecurityContextPropagation() {
			return (builder) -> builder.taskDecorator(new SecurityContextPropagation());
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = "org.springframework.web.context.request.RequestContextHolder")
	static class RequestAttributesPropagationConfiguration {

		@Bean
		@ConditionalOnMissingBean(name = "errGroupRequestAttributesPropagation")
		ErrGroupFactoryBuilderCustomizer errGroupRequestAttributesPropagation() {
			return (builder) -> builder.taskDecorator(new RequestAttributesPropagation());
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(ContextSnapshotFactory.class)
	static class ContextSnapshotPropagationConfiguration {

		/**
		 * Every {@code ThreadLocalAccessor} of Micrometer's context-propagation: the current
		 * Observation (so traces show the fan-out), and whatever the application registered. Uses the
		 * application's {@link ContextSnapshotFactory} bean if it has one.
		 */
		@Bean
		@ConditionalOnMissingBean(name = "errGroupContextSnapshotPropagation")
		ErrGroupFactoryBuilderCustomizer errGroupContextSnapshotPropagation(
				ObjectProvider<ContextSnapshotFactory> snapshotFactory) {
			ContextPropagatingTaskDecorator decorator = new ContextPropagatingTaskDecorator(
					snapshotFactory.getIfAvailable(() -> ContextSnapshotFactory.builder().build()));
			return (builder) -> builder.taskDecorator(decorator::decorate);
		}

	}

}
