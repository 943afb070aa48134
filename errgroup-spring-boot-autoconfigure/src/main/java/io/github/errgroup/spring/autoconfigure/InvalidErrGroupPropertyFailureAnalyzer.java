package io.github.errgroup.spring.autoconfigure;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.origin.Origin;
import org.springframework.core.env.Environment;

/**
 * Reports an {@link InvalidErrGroupPropertyException} in Spring Boot's "APPLICATION FAILED TO START"
 * form: the property, its value and where it was set, why it is wrong, and what to change.
 * Registered in {@code META-INF/spring.factories}.
 */
class InvalidErrGroupPropertyFailureAnalyzer extends AbstractFailureAnalyzer<InvalidErrGroupPropertyException> {

	private final @Nullable Environment environment;

	InvalidErrGroupPropertyFailureAnalyzer(@Nullable Environment environment) {
		this.environment = environment;
	}

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, InvalidErrGroupPropertyException cause) {
		StringBuilder description = new StringBuilder();
		description.append("Invalid value '").append(cause.getValue()).append("' for configuration property '")
			.append(cause.getProperty()).append("'");
		Origin origin = findOrigin(cause.getProperty());
		if (origin != null) {
			description.append(" (originating from '").append(origin).append("')");
		}
		description.append(":").append(System.lineSeparator()).append(System.lineSeparator())
			.append("    ").append(cause.getReason()).append('.');
		String action = "Update '" + cause.getProperty() + "' in the application's configuration. " + cause.getAction();
		return new FailureAnalysis(description.toString(), action, cause);
	}

	/** Where the property was set, for any of its relaxed spellings (a file line, an environment variable). */
	private @Nullable Origin findOrigin(String property) {
		if (this.environment == null || !ConfigurationPropertyName.isValid(property)) {
			return null;
		}
		ConfigurationPropertyName name = ConfigurationPropertyName.of(property);
		for (ConfigurationPropertySource source : ConfigurationPropertySources.get(this.environment)) {
			ConfigurationProperty found = source.getConfigurationProperty(name);
			if (found != null) {
				return found.getOrigin();
			}
		}
		return null;
	}

}
