package io.github.errgroup.spring.autoconfigure.observation;

import io.github.errgroup.ErrGroupFactory;
import io.github.errgroup.spring.autoconfigure.ErrGroupAutoConfiguration;
import io.github.errgroup.spring.metrics.ErrGroupMetrics;
import io.github.errgroup.spring.observation.ErrGroupObservations;
import io.github.errgroup.spring.observation.GroupObservationConvention;
import io.github.errgroup.spring.observation.TaskObservationConvention;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.observation.ObservationRegistry;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * {@link EnableAutoConfiguration Auto-configuration} for the {@code errgroup.group} and
 * {@code errgroup.task} observations (S27): an {@link ErrGroupObservations} listener, which the
 * auto-configured {@link ErrGroupFactory} registers as it does every {@code GroupListener} bean.
 *
 * <p>Active when the application has an {@link ObservationRegistry} (Spring Boot's, as with the
 * actuator); with Micrometer Tracing, the observations are spans. A {@link GroupObservationConvention}
 * or {@link TaskObservationConvention} bean replaces the default convention; Spring Boot's
 * {@code management.observations.enable.errgroup=false} turns the observations off.
 *
 * <p>The observations are for traces, not meters: with Micrometer on the class path, a
 * {@link ErrGroupMetrics#denyObservationMeters() MeterFilter} keeps the meters Spring Boot would derive
 * from them ({@code errgroup.task}, {@code errgroup.task.active}, {@code errgroup.group},
 * {@code errgroup.group.active}) out of every registry, so that the {@code errgroup.*} meters are the S26
 * ones alone: one meter per concept. It does so with {@code errgroup.metrics.enabled=false} too, which
 * then means no {@code errgroup.*} meters at all, rather than the derived ones in their place.
 */
@AutoConfiguration(after = { ObservationAutoConfiguration.class, ErrGroupAutoConfiguration.class })
@ConditionalOnClass(ObservationRegistry.class)
@ConditionalOnBean({ ObservationRegistry.class, ErrGroupFactory.class })
@ConditionalOnBooleanProperty(name = "errgroup.enabled", matchIfMissing = true)
public final class ErrGroupObservationAutoConfiguration {

	ErrGroupObservationAutoConfiguration() {
	}

	@Bean
	@ConditionalOnMissingBean
	ErrGroupObservations errGroupObservations(ObservationRegistry observationRegistry,
			ObjectProvider<GroupObservationConvention> groupConvention,
			ObjectProvider<TaskObservationConvention> taskConvention) {
		return new ErrGroupObservations(observationRegistry, groupConvention.getIfUnique(),
				taskConvention.getIfUnique());
	}

	/** Present whenever the observations are, since they are what the filtered meters derive from. */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(MeterFilter.class)
	static class ObservationMetersConfiguration {

		@Bean
		MeterFilter errGroupObservationMetersFilter() {
			return ErrGroupMetrics.denyObservationMeters();
		}

	}

}
