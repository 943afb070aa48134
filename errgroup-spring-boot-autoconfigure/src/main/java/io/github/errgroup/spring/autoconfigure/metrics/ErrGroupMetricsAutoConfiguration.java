package io.github.errgroup.spring.autoconfigure.metrics;

import io.github.errgroup.ErrGroupFactory;
import io.github.errgroup.spring.ErrGroupFactories;
import io.github.errgroup.spring.autoconfigure.ErrGroupAutoConfiguration;
import io.github.errgroup.spring.autoconfigure.ErrGroupProperties;
import io.github.errgroup.spring.metrics.ErrGroupMetrics;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.context.annotation.Bean;

/**
 * {@link EnableAutoConfiguration Auto-configuration} for the {@code errgroup.*} meters (S26): an
 * {@link ErrGroupMetrics} listener, which the auto-configured {@link ErrGroupFactory} registers as it
 * does every {@code GroupListener} bean.
 *
 * <p>Active when the application has a {@link MeterRegistry} (Spring Boot's metrics, as with the
 * actuator) and an {@code ErrGroupFactory}; off with {@code errgroup.metrics.enabled=false}. The
 * gauges count the open groups of every {@code ErrGroupFactory} bean; an application that builds its
 * own factory adds the {@code ErrGroupMetrics} bean to it as a listener. The factories are those of
 * {@link ErrGroupFactories}, looked up once: not at each read, since a registry may be read after the
 * context closed, or publish while it closes, and a lookup then would create a factory anew. Settings:
 * {@code errgroup.overdue-threshold} and {@code errgroup.metrics.max-group-names}.
 */
@AutoConfiguration(after = { MetricsAutoConfiguration.class, CompositeMeterRegistryAutoConfiguration.class,
		ErrGroupAutoConfiguration.class })
@ConditionalOnClass(MeterRegistry.class)
@ConditionalOnBean({ MeterRegistry.class, ErrGroupFactory.class, ErrGroupFactories.class })
@ConditionalOnBooleanProperty(name = "errgroup.enabled", matchIfMissing = true)
@ConditionalOnBooleanProperty(name = "errgroup.metrics.enabled", matchIfMissing = true)
@EnableConfigurationProperties(ErrGroupProperties.class)
public final class ErrGroupMetricsAutoConfiguration {

	ErrGroupMetricsAutoConfiguration() {
	}

	@Bean
	@ConditionalOnMissingBean
	ErrGroupMetrics errGroupMetrics(MeterRegistry meterRegistry, ErrGroupProperties properties,
			ErrGroupFactories errGroupFactories) {
		return new ErrGroupMetrics(meterRegistry, errGroupFactories::openGroups, properties.getOverdueThreshold(),
				properties.getMetrics().getMaxGroupNames());
	}

}
