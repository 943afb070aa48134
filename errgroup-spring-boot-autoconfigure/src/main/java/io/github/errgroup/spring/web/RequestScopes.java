package io.github.errgroup.spring.web;

import java.time.Duration;
import java.util.OptionalLong;
import java.util.concurrent.TimeoutException;

import io.github.errgroup.CancellationScope;
import io.github.errgroup.ErrGroupException;
import io.github.errgroup.GroupContext;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.util.StringUtils;

/**
 * Opens the {@link CancellationScope} of each web request with its deadline (S24, S25), and turns a
 * context's deadline into the header value of an outgoing call. Shared by the servlet filter, the
 * WebFlux filter and the HTTP client customizers.
 *
 * <p>The deadline of a request is the earlier of {@code errgroup.web.request-timeout} and the
 * inbound deadline header ({@code errgroup.web.deadline-header}, {@code Request-Timeout} by default),
 * whose value is the whole milliseconds left, relative so that clock skew between services does not
 * matter (as gRPC's {@code grpc-timeout}). A header that is not a plain non-negative whole number is
 * ignored with a debug log, never an error page; one too large to be meant is capped by the request
 * timeout, or ignored when there is none; {@code 0} means that no time is left, so the scope starts
 * cancelled.
 */
public final class RequestScopes {

	/**
	 * The request (or exchange) attribute that holds the request's {@link CancellationScope}.
	 */
	public static final String SCOPE_ATTRIBUTE = CancellationScope.class.getName();

	/** More digits than this cannot be milliseconds that anyone meant (10^15 ms is 31,000 years). */
	private static final int MAX_DIGITS = 15;

	private static final Log logger = LogFactory.getLog(RequestScopes.class);

	private final @Nullable Duration requestTimeout;

	private final @Nullable String headerName;

	/**
	 * Creates the scopes of requests with the given settings.
	 * @param requestTimeout the deadline of every request, or {@code null} for none
	 * @param headerName the deadline header, or {@code null} or empty to neither read nor write one
	 */
	public RequestScopes(@Nullable Duration requestTimeout, @Nullable String headerName) {
		this.requestTimeout = requestTimeout;
		this.headerName = StringUtils.hasText(headerName) ? headerName : null;
	}

	/**
	 * Returns the name of the deadline header.
	 * @return the header name, or {@code null} when the header is turned off
	 */
	public @Nullable String headerName() {
		return this.headerName;
	}

	/**
	 * Opens the scope of a request named {@code "<METHOD> <path>"}, with the request's deadline. The
	 * path's parameters ({@code ;jsessionid=...}, matrix variables) are left out of the name, as
	 * Spring MVC leaves them out when it matches the path: a session id there is a credential, and the
	 * name is shown in exceptions, logs and the {@code errgroups} endpoint (S28).
	 * @param method the HTTP method
	 * @param path the path as the server received it, without the query
	 * @param deadlineHeader the value of the inbound deadline header, or {@code null} if absent
	 * @return the live scope, or a cancelled one when the header left no time
	 */
	public CancellationScope open(String method, String path, @Nullable String deadlineHeader) {
		String name = method + " " + withoutPathParameters(path);
		Duration timeout = this.requestTimeout;
		Duration fromHeader = (this.headerName != null && deadlineHeader != null) ? parse(name, deadlineHeader) : null;
		if (fromHeader != null && (timeout == null || fromHeader.compareTo(timeout) < 0)) {
			timeout = fromHeader;
		}
		if (timeout == null) {
			return CancellationScope.open(name);
		}
		if (timeout.isZero()) {
			CancellationScope scope = CancellationScope.open(name);
			scope.cancel(new TimeoutException(
					"'" + name + "' arrived with no time left (" + this.headerName + ": " + deadlineHeader.trim() + ")"));
			return scope;
		}
		return CancellationScope.open(name, timeout);
	}

	/** {@code /a;x=1/b;jsessionid=2} is {@code /a/b}. */
	static String withoutPathParameters(String path) {
		int semicolon = path.indexOf(';');
		if (semicolon < 0) {
			return path;
		}
		StringBuilder cut = new StringBuilder(path.length());
		int from = 0;
		while (semicolon >= 0) {
			cut.append(path, from, semicolon);
			int slash = path.indexOf('/', semicolon);
			if (slash < 0) {
				return cut.toString();
			}
			from = slash;
			semicolon = path.indexOf(';', from);
		}
		return cut.append(path, from, path.length()).toString();
	}

	private @Nullable Duration parse(String request, String value) {
		String digits = value.trim();
		if (digits.startsWith("-") && digits.length() > 1 && isDigits(digits.substring(1))) {
			debug(request, value, "it is negative");
			return null;
		}
		if (!isDigits(digits)) {
			debug(request, value, "it is not a whole number of milliseconds");
			return null;
		}
		if (digits.length() > MAX_DIGITS) {
			if (this.requestTimeout == null) {
				debug(request, value, "it is too large to be meant, and no errgroup.web.request-timeout caps it");
				return null;
			}
			return this.requestTimeout; // capped
		}
		return Duration.ofMillis(Long.parseLong(digits));
	}

	private static boolean isDigits(String value) {
		if (value.isEmpty()) {
			return false;
		}
		for (int i = 0; i < value.length(); i++) {
			char c = value.charAt(i);
			if (c < '0' || c > '9') {
				return false;
			}
		}
		return true;
	}

	private void debug(String request, String value, String why) {
		if (logger.isDebugEnabled()) {
			logger.debug("Ignoring the " + this.headerName + " header of '" + request + "': '" + value + "', because "
					+ why);
		}
	}

	/**
	 * Returns the request's deadline when it is what made this group fail: the scope was cancelled by
	 * its deadline, and the failure's cause is that very {@link TimeoutException}, through nested
	 * groups (a child's failure reaches its parent as an {@link ErrGroupException}).
	 * @param failure a group's failure
	 * @param scope the request's scope
	 * @return the deadline's exception, or {@code null} when the group failed for another reason
	 */
	public static @Nullable TimeoutException deadlineBehind(ErrGroupException failure, CancellationScope scope) {
		if (!(scope.context().cause() instanceof TimeoutException deadline)) {
			return null;
		}
		return (failure.firstCause() == deadline) ? deadline : null;
	}

	/**
	 * Returns the whole milliseconds left before the context's deadline, for the header of an
	 * outgoing call.
	 * @param context the context of the group (or request) making the call
	 * @return the milliseconds left, zero once passed; empty when the context has no deadline, or one
	 * too far to count in milliseconds
	 */
	public static OptionalLong millisLeft(GroupContext context) {
		Duration left = context.timeLeft().orElse(null); // on the deadline's own clock, a test's too
		if (left == null) {
			return OptionalLong.empty();
		}
		try {
			return OptionalLong.of(left.toMillis());
		}
		catch (ArithmeticException ex) {
			return OptionalLong.empty(); // centuries away: no deadline worth sending
		}
	}

}
