package io.github.errgroup.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.boot.configurationmetadata.ConfigurationMetadataProperty;
import org.springframework.boot.configurationmetadata.ConfigurationMetadataRepositoryJsonBuilder;

/**
 * S21: the generated IDE metadata documents every {@code errgroup.*} property, with its default where
 * it has one.
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
				"errgroup.defaults.limit", "errgroup.defaults.timeout", "errgroup.groups", "errgroup.web.enabled",
				"errgroup.web.request-timeout", "errgroup.web.deadline-header");
		assertThat(properties.values()).allSatisfy((property) -> assertThat(property.getDescription())
			.as("description of %s", property.getId())
			.isNotBlank());
		assertThat(properties).allSatisfy((name, property) -> {
			Object expected = DEFAULTS.get(name);
			assertThat(property.getDefaultValue()).as("default of %s", name).isEqualTo(expected);
		});
	}

	/** Every default there is; the properties not listed have none (they are unset unless configured). */
	private static final Map<String, Object> DEFAULTS = Map.of("errgroup.enabled", true,
			"errgroup.executor.thread-name-prefix", "errgroup-", "errgroup.executor.pool.core-size", 8,
			"errgroup.executor.pool.max-size", Integer.MAX_VALUE, "errgroup.executor.pool.queue-capacity",
			Integer.MAX_VALUE, "errgroup.executor.pool.keep-alive", "60s",
			"errgroup.executor.pool.allow-core-thread-timeout", true, "errgroup.executor.shutdown.await-termination",
			false, "errgroup.web.enabled", true, "errgroup.web.deadline-header", "Request-Timeout");

}
