package io.github.errgroup.spring.autoconfigure.web.reactive;

import io.github.errgroup.ErrGroupFactory;
import io.github.errgroup.spring.ErrGroupFactories;
import io.github.errgroup.spring.autoconfigure.ErrGroupAutoConfiguration;
import io.github.errgroup.spring.autoconfigure.ErrGroupProperties;
import io.github.errgroup.spring.web.RequestScopes;
import io.github.errgroup.spring.web.reactive.ApplicationShutdownWebExceptionHandler;
import io.github.errgroup.spring.web.reactive.ErrGroupRequestWebFilter;
import io.github.errgroup.spring.web.reactive.ReactiveErrGroups;
import io.github.errgroup.spring.web.reactive.RequestDeadlineWebExceptionHandler;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication.Type;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.web.server.WebFilter;

/**
 * {@link EnableAutoConfiguration Auto-configuration} of request-scoped cancellation for reactive web
 * applications (S24): an {@link ErrGroupRequestWebFilter} gives each exchange its cancellation scope
 * and deadline, {@link ReactiveErrGroups} opens groups under it, and an {@code ErrGroupException}
 * caused by the request's deadline, or by the application's shutdown (S36), answers 503 unless the
 * application's error handling answers first.
 *
 * <p>Off with {@code errgroup.web.enabled=false} (or {@code errgroup.enabled=false}). Each bean backs
 * off when the application defines its own.
 */
@AutoConfiguration(after = ErrGroupAutoConfiguration.class)
@ConditionalOnWebApplication(type = Type.REACTIVE)
@ConditionalOnClass({ WebFilter.class, reactor.core.publisher.Mono.class })
@ConditionalOnBooleanProperty(name = { "errgroup.enabled", "errgroup.web.enabled" }, matchIfMissing = true)
@EnableConfigurationProperties(ErrGroupProperties.class)
public final class ErrGroupWebFluxAutoConfiguration {

	ErrGroupWebFluxAutoConfiguration() {
	}

	@Bean
	@ConditionalOnMissingBean
	ErrGroupRequestWebFilter errGroupRequestWebFilter(ErrGroupProperties properties) {
		return new ErrGroupRequestWebFilter(new RequestScopes(properties.getWeb().getRequestTimeout(), properties.getWeb().deadlineHeaders()));
	}

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnBean(ErrGroupFactory.class)
	ReactiveErrGroups reactiveErrGroups(ErrGroupFactory factory) {
		return new ReactiveErrGroups(factory);
	}

	@Bean
	@ConditionalOnMissingBean(name = "errGroupRequestDeadlineWebExceptionHandler")
	RequestDeadlineWebExceptionHandler errGroupRequestDeadlineWebExceptionHandler() {
		return new RequestDeadlineWebExceptionHandler();
	}

	@Bean
	@ConditionalOnMissingBean(name = "errGroupApplicationShutdownWebExceptionHandler")
	@ConditionalOnBean(ErrGroupFactories.class)
	ApplicationShutdownWebExceptionHandler errGroupApplicationShutdownWebExceptionHandler(ErrGroupFactories factories) {
		return new ApplicationShutdownWebExceptionHandler(factories);
	}

}
