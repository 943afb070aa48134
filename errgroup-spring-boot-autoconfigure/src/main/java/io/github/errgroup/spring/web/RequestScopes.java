package io.github.errgroup.spring.web;

import java.time.Duration;
import java.util.OptionalLong;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

import io.github.errgroup.CancellationScope;
import io.github.errgroup.ErrGroupException;
import io.github.errgroup.GroupContext;
import org.jspecify.annotations.Nullable;

/**
 * Opens the {@link CancellationScope} of each web request with its deadline (S24, S25, S35), and turns a
 * context's deadline into the header value of an outgoing call. Shared by the servlet filter, the
 * WebFlux filter and the HTTP client customizers.
 *
 * <p>The deadline of a request is the earlier of {@code errgroup.web.request-timeout} and the earliest
 * deadline among the inbound deadline headers it carries ({@link DeadlineHeaders}: our
 * {@code errgroup.web.deadline-header}, {@code grpc-timeout}, Envoy's
 * {@code x-envoy-expected-rq-timeout-ms}, whichever are honoured), each relative so that clock skew
 * between services does not matter. A value that is not its header's format is ignored with a debug
 * log, never an error page; a header that leaves no time ({@code 0}) makes the scope start cancelled.
 */
public final class RequestScopes {

	/**
	 * The request (or exchange) attribute that holds the request's {@link CancellationScope}.
	 */
	public static final String SCOPE_ATTRIBUTE = CancellationScope.class.getName();

	private final @Nullable Duration requestTimeout;

	private final DeadlineHeaders deadlineHeaders;

	/**
	 * Creates the scopes of requests with the given settings.
	 * @param requestTimeout the deadline of every request, or {@code null} for none
	 * @param deadlineHeaders the deadline headers read on inbound requests
	 */
	public RequestScopes(@Nullable Duration requestTimeout, DeadlineHeaders deadlineHeaders) {
		this.requestTimeout = requestTimeout;
		this.deadlineHeaders = deadlineHeaders;
	}

	/**
	 * Opens the scope of a request named {@code "<METHOD> <path>"}, with the request's deadline. The
	 * path's parameters ({@code ;jsessionid=...}, matrix variables) are left out of the name, as
	 * Spring MVC leaves them out when it matches the path: a session id there is a credential, and the
	 * name is shown in exceptions, logs and the {@code errgroups} endpoint (S28).
	 * @param method the HTTP method
	 * @param path the path as the server received it, without the query
	 * @param headers the request's first value of a header by name (case-insensitive), {@code null}
	 * when absent
	 * @return the live scope, or a cancelled one when a deadline header left no time
	 */
	public CancellationScope open(String method, String path, Function<String, @Nullable String> headers) {
		String name = method + " " + withoutPathParameters(path);
		Duration timeout = this.requestTimeout;
		DeadlineHeaders.Received received = this.deadlineHeaders.read(headers, name);
		if (received != null && (timeout == null || received.timeLeft().compareTo(timeout) < 0)) {
			timeout = received.timeLeft();
		}
		if (timeout == null) {
			return CancellationScope.open(name);
		}
		if (timeout.isZero() && received != null) {
			CancellationScope scope = CancellationScope.open(name);
			scope.cancel(new TimeoutException("'" + name + "' arrived with no time left (" + received.header() + ": "
					+ received.value().trim() + ")"));
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
