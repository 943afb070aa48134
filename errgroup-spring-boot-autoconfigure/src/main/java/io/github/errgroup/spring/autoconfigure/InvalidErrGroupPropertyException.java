package io.github.errgroup.spring.autoconfigure;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

/**
 * An {@code errgroup.*} property with a value that cannot be used. Its message names the property,
 * the value and why; {@link InvalidErrGroupPropertyFailureAnalyzer} turns it into Spring Boot's
 * "APPLICATION FAILED TO START" report.
 */
final class InvalidErrGroupPropertyException extends IllegalStateException {

	private static final long serialVersionUID = 1L;

	private final String property;

	private final String value;

	private final String reason;

	private final String action;

	InvalidErrGroupPropertyException(String property, @Nullable Object value, String reason, String action) {
		super("Invalid value '" + format(value) + "' for configuration property '" + property + "': " + reason);
		this.property = property;
		this.value = format(value);
		this.reason = reason;
		this.action = action;
	}

	/** The property, in its canonical form, such as {@code errgroup.executor.pool.core-size}. */
	String getProperty() {
		return this.property;
	}

	/** The bound value, as a user would write it. */
	String getValue() {
		return this.value;
	}

	String getReason() {
		return this.reason;
	}

	String getAction() {
		return this.action;
	}

	/** Durations as a user writes them ({@code -5s}, {@code 250ms}), not as ISO-8601 ({@code PT-5S}). */
	private static String format(@Nullable Object value) {
		if (value instanceof Duration duration) {
			if (duration.getNano() == 0) {
				return duration.getSeconds() + "s";
			}
			try {
				return (duration.getNano() % 1_000_000 == 0) ? duration.toMillis() + "ms" : duration.toNanos() + "ns";
			}
			catch (ArithmeticException ex) {
				return duration.toString(); // too long for a count of millis or nanos
			}
		}
		return String.valueOf(value);
	}

}
