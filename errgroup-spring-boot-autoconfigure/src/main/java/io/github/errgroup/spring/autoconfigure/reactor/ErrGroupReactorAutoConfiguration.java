package io.github.errgroup.spring.autoconfigure.reactor;

import io.github.errgroup.spring.ErrGroupFactoryBuilderCustomizer;
import io.github.errgroup.spring.autoconfigure.ErrGroupAutoConfiguration;
import io.github.errgroup.spring.reactor.NonBlockingThreadGuard;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * {@link EnableAutoConfiguration Auto-configuration} that, with Reactor on the class path (in any kind
 * of application), makes {@code ErrGroup.await()} on one of Reactor's non-blocking threads throw at
 * once with a message pointing to {@code awaitAsync()}, instead of stalling an event loop. A bean
 * named {@code errGroupNonBlockingThreadGuard} replaces it.
 */
@AutoConfiguration(before = ErrGroupAutoConfiguration.class)
@ConditionalOnClass(name = "reactor.core.scheduler.Schedulers")
@ConditionalOnBooleanProperty(name = "errgroup.enabled", matchIfMissing = true)
public final class ErrGroupReactorAutoConfiguration {

	ErrGroupReactorAutoConfiguration() {
	}

	@Bean
	@ConditionalOnMissingBean(name = "errGroupNonBlockingThreadGuard")
	ErrGroupFactoryBuilderCustomizer errGroupNonBlockingThreadGuard() {
		return (builder) -> builder.blockingGuard(new NonBlockingThreadGuard());
	}

}
