package io.github.errgroup.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.boot.configurationmetadata.ConfigurationMetadataProperty;
import org.springframework.boot.configurationmetadata.ConfigurationMetadataRepositoryJsonBuilder;

/**
 * S21: the generated IDE metadata documents every {@code errgroup.*} property, and those Spring Boot
 * gives the {@code errgroups} endpoint (S28), with its default where it has one.
 */
class ErrGroupConfigurationMetadataTests {

	@Test
	void S21_metadataDescribesEveryPropertyWithItsDefault() throws IOException {
		Map<String, ConfigurationMetadataProperty> properties;
		try (InputStream json = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
			assertThat(json).as("generated spring-configuration-metadata.json").isNotNull();
			properties = ConfigurationMetadataRepositoryJsonBuilder.create(json).build().getAllProperties();
		}
		assertThat(properties).containsOnlyKeys("errgroup.enabled", "errgroup.executor.thread-name-prefix",
				"errgroup.executor.virtual-threads", "errgroup.executor.pool.core-size",
				"errgroup.executor.pool.max-size", "errgroup.executor.pool.queue-capacity",
				"errgroup.executor.pool.keep-alive", "errgroup.executor.pool.allow-core-thread-timeout",
				"errgroup.executor.shutdown.await-termination", "errgroup.executor.shutdown.await-termination-period",
				"errgroup.shutdown.after-graceful-shutdown", "errgroup.defaults.limit", "errgroup.defaults.timeout", "errgroup.groups",
				"errgroup.overdue-threshold", "errgroup.metrics.enabled", "errgroup.metrics.max-group-names",
				"management.endpoint.errgroups.access", "management.endpoint.errgroups.cache.time-to-live", "errgroup.web.enabled",
				"errgroup.web.request-timeout", "errgroup.web.deadline-header", "errgroup.web.inbound-deadline-formats",
				"errgroup.web.outbound-deadline-formats", "errgroup.jdbc.enabled",
				"errgroup.grpc.enabled");
		assertThat(properties.values()).allSatisfy((property) -> assertThat(property.getDescription())
			.as("description of %s", property.getId())
			.isNotBlank());
		assertThat(properties).allSatisfy((name, property) -> {
			Object expected = DEFAULTS.get(name);
			assertThat(property.getDefaultValue()).as("default of %s", name).isEqualTo(expected);
		});
	}

	/** Every default there is; the properties not listed have none (they are unset unless configured). */
	private static final Map<String, Object> DEFAULTS = Map.ofEntries(Map.entry("errgroup.enabled", true),
			Map.entry("errgroup.executor.thread-name-prefix", "errgroup-"),
			Map.entry("errgroup.executor.pool.core-size", 8),
			Map.entry("errgroup.executor.pool.max-size", Integer.MAX_VALUE),
			Map.entry("errgroup.executor.pool.queue-capacity", Integer.MAX_VALUE),
			Map.entry("errgroup.executor.pool.keep-alive", "60s"),
			Map.entry("errgroup.executor.pool.allow-core-thread-timeout", true),
			Map.entry("errgroup.executor.shutdown.await-termination", false),
			Map.entry("errgroup.shutdown.after-graceful-shutdown", false),
			Map.entry("errgroup.overdue-threshold", "5s"), Map.entry("errgroup.metrics.enabled", true),
			Map.entry("errgroup.metrics.max-group-names", 100),
			Map.entry("management.endpoint.errgroups.access", "unrestricted"),
			Map.entry("management.endpoint.errgroups.cache.time-to-live", "0ms"),
			Map.entry("errgroup.web.enabled", true), Map.entry("errgroup.web.deadline-header", "Request-Timeout"),
			Map.entry("errgroup.web.inbound-deadline-formats", new Object[] { "deadline-header", "grpc-timeout", "envoy" }),
			Map.entry("errgroup.web.outbound-deadline-formats", new Object[] { "deadline-header", "grpc-timeout" }),
			Map.entry("errgroup.jdbc.enabled", true), Map.entry("errgroup.grpc.enabled", true));

}
