package io.github.errgroup.spring.web;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import io.github.errgroup.GroupContext;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.util.StringUtils;

/**
 * The deadline formats of the mesh (S25, S35): which request headers carry the time a caller has
 * left, how each is read, and what an outgoing call sends. Every format is relative (time left, not
 * a clock time), so clock skew between services does not matter.
 *
 * <ul>
 * <li>{@link Format#DEADLINE_HEADER}: the header named by {@code errgroup.web.deadline-header}
 * ({@code Request-Timeout} unless set), whole milliseconds; {@code 0} means no time is left;</li>
 * <li>{@link Format#GRPC_TIMEOUT}: {@code grpc-timeout}, as the gRPC over HTTP/2 protocol defines it: 1 to
 * 8 ASCII digits, then the unit, {@code H} (hours), {@code M} (minutes), {@code S} (seconds), {@code m}
 * (milliseconds), {@code u} (microseconds) or {@code n} (nanoseconds), case-sensitive; {@code 0} (any
 * unit) means no time is left, as gRPC treats it;</li>
 * <li>{@link Format#ENVOY}: Envoy's {@code x-envoy-expected-rq-timeout-ms}, whole milliseconds; Envoy
 * never sends {@code 0} (to Envoy a zero timeout is no timeout), so a {@code 0} is ignored, and at least
 * {@code 1} is sent, as Envoy itself does when the time is up.</li>
 * </ul>
 *
 * <p>Inbound, {@link #read} returns the earliest deadline among the honoured headers present (the
 * request's scope then caps it by {@code errgroup.web.request-timeout}). A value that is not its
 * format, exactly, is ignored with a debug log naming the header, never an error: a negative number,
 * a fraction, a unit where there is none or the wrong unit ({@code 5s} is not gRPC's {@code 5S}), more
 * than 8 gRPC digits, or more than 15 millisecond digits (10^15 ms is 31,000 years: not meant; the
 * request timeout, when there is one, is the deadline then). Only the first value of a header counts.
 *
 * <p>Outbound, {@link #write} gives each outbound format's header its value for the time left before
 * a context's deadline, rounded down, so that the next service never gets more time than there is.
 *
 * <p>Immutable and thread-safe. Not tied to HTTP: {@link #read} takes any case-insensitive lookup of
 * header values by name, such as gRPC metadata.
 */
public final class DeadlineHeaders {

	/** The default name of the {@link Format#DEADLINE_HEADER} header. */
	public static final String DEFAULT_DEADLINE_HEADER = "Request-Timeout";

	/** The header of {@link Format#GRPC_TIMEOUT}. */
	public static final String GRPC_TIMEOUT = "grpc-timeout";

	/** The header of {@link Format#ENVOY}. */
	public static final String ENVOY_EXPECTED_TIMEOUT = "x-envoy-expected-rq-timeout-ms";

	/** More digits than this cannot be milliseconds that anyone meant (10^15 ms is 31,000 years). */
	private static final int MAX_MILLIS_DIGITS = 15;

	/** gRPC: "TimeoutValue → {positive integer as ASCII string of at most 8 digits}". */
	private static final int MAX_GRPC_DIGITS = 8;

	private static final long GRPC_CUTOFF = 100_000_000; // the first number with 9 digits

	private static final Log logger = LogFactory.getLog(DeadlineHeaders.class);

	/**
	 * A format of deadline header. In properties: {@code deadline-header}, {@code grpc-timeout},
	 * {@code envoy}.
	 */
	public enum Format {

		/** Our own header ({@code errgroup.web.deadline-header}): whole milliseconds left. */
		DEADLINE_HEADER,

		/** gRPC's {@code grpc-timeout}: up to 8 digits and a unit, such as {@code 500m} or {@code 2S}. */
		GRPC_TIMEOUT,

		/** Envoy's {@code x-envoy-expected-rq-timeout-ms}: whole milliseconds, {@code 0} meaning none. */
		ENVOY

	}

	/**
	 * A deadline read from a request's headers.
	 * @param header the header it came from
	 * @param value the header's value, as received
	 * @param timeLeft the time it leaves, zero when none is left
	 */
	public record Received(String header, String value, Duration timeLeft) {
	}

	private final List<Header> inbound;

	private final List<Header> outbound;

	/**
	 * Creates the deadline headers of a service.
	 * @param deadlineHeader the name of the {@link Format#DEADLINE_HEADER} header, or {@code null} or
	 * empty for none, whichever lists name it
	 * @param inbound the formats read on inbound requests; empty to read none
	 * @param outbound the formats written on outgoing calls; empty to write none
	 */
	public DeadlineHeaders(@Nullable String deadlineHeader, Collection<Format> inbound, Collection<Format> outbound) {
		String named = StringUtils.hasText(deadlineHeader) ? deadlineHeader : null;
		this.inbound = headers(named, inbound);
		this.outbound = headers(named, outbound);
	}

	/**
	 * Returns the defaults: all three formats read, the {@link Format#DEADLINE_HEADER} and
	 * {@code grpc-timeout} written, the
	 * {@link Format#DEADLINE_HEADER} named {@value #DEFAULT_DEADLINE_HEADER}.
	 * @return the default deadline headers
	 */
	public static DeadlineHeaders defaults() {
		return new DeadlineHeaders(DEFAULT_DEADLINE_HEADER, EnumSet.allOf(Format.class),
				EnumSet.of(Format.DEADLINE_HEADER, Format.GRPC_TIMEOUT));
	}

	private static List<Header> headers(@Nullable String deadlineHeader, Collection<Format> formats) {
		Set<Format> ordered = EnumSet.noneOf(Format.class);
		ordered.addAll(formats);
		List<Header> headers = new ArrayList<>();
		for (Format format : ordered) {
			String name = switch (format) {
				case DEADLINE_HEADER -> deadlineHeader;
				case GRPC_TIMEOUT -> GRPC_TIMEOUT;
				case ENVOY -> ENVOY_EXPECTED_TIMEOUT;
			};
			if (name != null) {
				headers.add(new Header(format, name));
			}
		}
		return List.copyOf(headers);
	}

	/**
	 * Returns the names of the headers read on inbound requests.
	 * @return the header names, in the order of {@link Format}
	 */
	public List<String> inboundHeaders() {
		return this.inbound.stream().map(Header::name).toList();
	}

	/**
	 * Returns the names of the headers written on outgoing calls.
	 * @return the header names, in the order of {@link Format}
	 */
	public List<String> outboundHeaders() {
		return this.outbound.stream().map(Header::name).toList();
	}

	/**
	 * Reads a request's deadline: the earliest of the honoured headers present with a valid value.
	 * @param headers the first value of a header by name (case-insensitive), {@code null} when absent
	 * @param request what to call the request in the debug log of an ignored value
	 * @return the earliest deadline, or {@code null} when no honoured header has a valid one
	 */
	public @Nullable Received read(Function<String, @Nullable String> headers, String request) {
		Received earliest = null;
		for (Header header : this.inbound) {
			String value = headers.apply(header.name());
			if (value == null) {
				continue;
			}
			Duration left = parse(header, value, request);
			if (left != null && (earliest == null || left.compareTo(earliest.timeLeft()) < 0)) {
				earliest = new Received(header.name(), value, left);
			}
		}
		return earliest;
	}

	private static @Nullable Duration parse(Header header, String value, String request) {
		String trimmed = value.trim();
		if (header.format() == Format.GRPC_TIMEOUT) {
			Duration left = parseGrpcTimeout(trimmed);
			if (left == null) {
				debug(header, value, request, "it is not a gRPC timeout: 1 to 8 digits, then one of H, M, S, m, u, n");
			}
			return left;
		}
		Duration left = parseMillis(trimmed);
		if (left == null) {
			debug(header, value, request, whyNotMillis(trimmed));
		}
		else if (left.isZero() && header.format() == Format.ENVOY) {
			debug(header, value, request, "Envoy sends no 0 (to Envoy, a zero timeout is no timeout)");
			return null;
		}
		return left;
	}

	private static String whyNotMillis(String value) {
		if (value.startsWith("-") && isDigits(value, 1, value.length())) {
			return "it is negative";
		}
		if (isDigits(value, 0, value.length())) {
			return "it is too large to be meant (more than " + MAX_MILLIS_DIGITS + " digits)";
		}
		return "it is not a whole number of milliseconds";
	}

	private static void debug(Header header, String value, String request, String why) {
		if (logger.isDebugEnabled()) {
			logger.debug("Ignoring the " + header.name() + " header of '" + request + "': '" + value + "', because "
					+ why);
		}
	}

	/**
	 * Parses whole milliseconds: 1 to 15 ASCII digits, nothing else (trim the value first).
	 * @param value the value
	 * @return the duration, or {@code null} when the value is not that
	 */
	public static @Nullable Duration parseMillis(String value) {
		if (value.isEmpty() || value.length() > MAX_MILLIS_DIGITS || !isDigits(value, 0, value.length())) {
			return null;
		}
		return Duration.ofMillis(Long.parseLong(value));
	}

	/**
	 * Parses a {@code grpc-timeout} value: 1 to 8 ASCII digits, then a unit among {@code H}, {@code M},
	 * {@code S}, {@code m}, {@code u}, {@code n} (trim the value first).
	 * @param value the value
	 * @return the duration, or {@code null} when the value is not that
	 */
	public static @Nullable Duration parseGrpcTimeout(String value) {
		int digits = value.length() - 1;
		if (digits < 1 || digits > MAX_GRPC_DIGITS || !isDigits(value, 0, digits)) {
			return null;
		}
		long amount = Long.parseLong(value, 0, digits, 10);
		return switch (value.charAt(digits)) {
			case 'H' -> Duration.ofHours(amount);
			case 'M' -> Duration.ofMinutes(amount);
			case 'S' -> Duration.ofSeconds(amount);
			case 'm' -> Duration.ofMillis(amount);
			case 'u' -> Duration.ofNanos(amount * 1000);
			case 'n' -> Duration.ofNanos(amount);
			default -> null;
		};
	}

	/**
	 * Formats a time left as a {@code grpc-timeout} value, in the finest unit that holds it in 8 digits
	 * (as grpc-java does), rounded down.
	 * @param timeLeft the time left; negative counts as zero
	 * @return the value, such as {@code 500000u} or {@code 0n}, or {@code null} when it is longer than
	 * the format can say (99,999,999 hours)
	 */
	public static @Nullable String formatGrpcTimeout(Duration timeLeft) {
		if (timeLeft.isNegative()) {
			return "0n";
		}
		if (timeLeft.compareTo(Duration.ofNanos(GRPC_CUTOFF)) < 0) {
			return timeLeft.toNanos() + "n";
		}
		if (timeLeft.compareTo(Duration.ofNanos(GRPC_CUTOFF * 1000)) < 0) {
			return (timeLeft.toNanos() / 1000) + "u";
		}
		if (timeLeft.compareTo(Duration.ofMillis(GRPC_CUTOFF)) < 0) {
			return timeLeft.toMillis() + "m";
		}
		if (timeLeft.compareTo(Duration.ofSeconds(GRPC_CUTOFF)) < 0) {
			return timeLeft.toSeconds() + "S";
		}
		if (timeLeft.compareTo(Duration.ofMinutes(GRPC_CUTOFF)) < 0) {
			return timeLeft.toMinutes() + "M";
		}
		return (timeLeft.toHours() < GRPC_CUTOFF) ? timeLeft.toHours() + "H" : null;
	}

	/**
	 * Returns the headers an outgoing call made in a context carries: each outbound format's header
	 * with the time left before the context's deadline.
	 * @param context the context of the group (or request) making the call
	 * @return header name to value, in the order of {@link Format}; empty when the context has no
	 * deadline, or one too far for a format to say (that format is left out)
	 */
	public Map<String, String> write(GroupContext context) {
		if (this.outbound.isEmpty()) {
			return Map.of();
		}
		Instant deadline = context.deadline().orElse(null);
		if (deadline == null) {
			return Map.of();
		}
		Duration left = Duration.between(Instant.now(), deadline); // Instant's range fits in a Duration
		if (left.isNegative()) {
			left = Duration.ZERO;
		}
		Map<String, String> values = new LinkedHashMap<>(4);
		for (Header header : this.outbound) {
			String value = format(header.format(), left);
			if (value != null) {
				values.put(header.name(), value);
			}
		}
		return values;
	}

	private static @Nullable String format(Format format, Duration left) {
		if (format == Format.GRPC_TIMEOUT) {
			return formatGrpcTimeout(left);
		}
		long millis;
		try {
			millis = left.toMillis();
		}
		catch (ArithmeticException ex) {
			return null; // millions of years away: no deadline worth sending
		}
		return Long.toString((format == Format.ENVOY) ? Math.max(1, millis) : millis);
	}

	private static boolean isDigits(String value, int from, int to) {
		if (from >= to) {
			return false;
		}
		for (int i = from; i < to; i++) {
			char c = value.charAt(i);
			if (c < '0' || c > '9') {
				return false;
			}
		}
		return true;
	}

	private record Header(Format format, String name) {
	}

}
