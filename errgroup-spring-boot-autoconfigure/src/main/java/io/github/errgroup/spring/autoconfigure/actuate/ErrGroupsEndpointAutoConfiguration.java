package io.github.errgroup.spring.autoconfigure.actuate;

import io.github.errgroup.ErrGroupFactory;
import io.github.errgroup.spring.ErrGroupFactories;
import io.github.errgroup.spring.actuate.ErrGroupsEndpoint;
import io.github.errgroup.spring.autoconfigure.ErrGroupAutoConfiguration;

import org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * {@link EnableAutoConfiguration Auto-configuration} for the {@link ErrGroupsEndpoint errgroups}
 * actuator endpoint (S28), which shows the open groups of every {@link ErrGroupFactory} bean.
 *
 * <p>Like every Spring Boot endpoint but {@code health}, it is reachable over HTTP only once exposed,
 * for example with {@code management.endpoints.web.exposure.include=health,errgroups}; the bean exists
 * only then (or when exposed over JMX).
 */
@AutoConfiguration(after = { EndpointAutoConfiguration.class, ErrGroupAutoConfiguration.class })
@ConditionalOnClass({ Endpoint.class, EndpointAutoConfiguration.class })
@ConditionalOnBean({ ErrGroupFactory.class, ErrGroupFactories.class })
@ConditionalOnBooleanProperty(name = "errgroup.enabled", matchIfMissing = true)
public final class ErrGroupsEndpointAutoConfiguration {

	ErrGroupsEndpointAutoConfiguration() {
	}

	// On the method, not the class: the class's conditions are read first, so without the actuator
	// its @ConditionalOnClass turns it off before this condition's class is ever loaded.
	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnAvailableEndpoint
	ErrGroupsEndpoint errGroupsEndpoint(ErrGroupFactories factories) {
		return new ErrGroupsEndpoint(factories.factories());
	}

}
