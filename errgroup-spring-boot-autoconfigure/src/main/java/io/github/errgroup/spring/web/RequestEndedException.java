package io.github.errgroup.spring.web;

import java.util.concurrent.CancellationException;

import org.jspecify.annotations.Nullable;

/**
 * The cause a web request's scope is cancelled with when the request ends, other than by its
 * deadline (a deadline is a {@link java.util.concurrent.TimeoutException}): the groups the request
 * opened learn why they were cancelled from {@link #reason()}.
 */
public final class RequestEndedException extends CancellationException {

	private static final long serialVersionUID = 1L;

	/** Why the request ended. */
	private final Reason reason;

	/**
	 * Creates the cause for a request that ended.
	 * @param request the request, as the scope names it ({@code "GET /api/products/42"})
	 * @param reason why it ended
	 * @param failure what the request failed with, or the client's disconnect as the server reported
	 * it; {@code null} if nothing was thrown. It becomes the cause; the message names only its type,
	 * and those of its causes, since a failure's message may quote the request
	 */
	public RequestEndedException(String request, Reason reason, @Nullable Throwable failure) {
		super("request '" + request + "' " + reason.describe(failure));
		this.reason = reason;
		if (failure != null) {
			initCause(failure);
		}
	}

	/**
	 * Returns why the request ended.
	 * @return the reason
	 */
	public Reason reason() {
		return this.reason;
	}

	/**
	 * Why a request ended.
	 */
	public enum Reason {

		/** The handler answered: the request's groups are done with (Go's rule for a context). */
		COMPLETED("completed"),

		/** The handler, or the container, failed the request. */
		FAILED("failed"),

		/** The client went away before the answer, and the server said so. */
		CLIENT_DISCONNECTED("ended: the client disconnected"),

		/**
		 * The request's HTTP/2 stream was reset, or its connection closed, before the answer: the
		 * client cancelled the call or went away ({@code RST_STREAM}, as Go's HTTP/2 server reports
		 * by cancelling the request's context), and the server said so.
		 */
		STREAM_RESET("ended: its HTTP/2 stream was reset (the client cancelled it or closed the connection)");

		private final String description;

		Reason(String description) {
			this.description = description;
		}

		/**
		 * The reason, with the types of the failure's chain but not their messages: a message may
		 * quote the request (a parser quotes the token of the body it could not read), and this
		 * text is shown wherever the cause is, the {@code errgroups} endpoint included (S28). The
		 * failure itself stays the exception's cause.
		 */
		String describe(@Nullable Throwable failure) {
			if (failure == null || this == COMPLETED) {
				return this.description;
			}
			StringBuilder described = new StringBuilder(this.description).append(": ")
				.append(failure.getClass().getName());
			Throwable cause = failure.getCause();
			for (int depth = 0; cause != null && depth < 4; depth++, cause = cause.getCause()) {
				described.append(", caused by ").append(cause.getClass().getName());
			}
			return described.toString();
		}

	}

}
