package io.github.errgroup.spring.grpc;

import java.util.concurrent.CancellationException;

import io.grpc.Status;
import org.jspecify.annotations.Nullable;

/**
 * The cause an inbound gRPC call's scope is cancelled with when the call ends, other than by its
 * deadline (a deadline is a {@link java.util.concurrent.TimeoutException}, as for a web request): the
 * groups the call opened learn why from {@link #reason()}. The gRPC twin of
 * {@code io.github.errgroup.spring.web.RequestEndedException}.
 */
public final class GrpcCallEndedException extends CancellationException {

	private static final long serialVersionUID = 1L;

	/** Why the call ended. */
	private final Reason reason;

	/**
	 * Creates the cause for a call that ended.
	 * @param call the call, as its scope names it ({@code "gRPC reviews.Reviews/List"})
	 * @param reason why it ended
	 * @param status the status the call ended with, as the server closed it or as grpc-java reported the
	 * client's cancel or disconnect; only its code is in the message (a description may quote the
	 * request), and its cause, if any, becomes this exception's cause
	 */
	public GrpcCallEndedException(String call, Reason reason, @Nullable Status status) {
		super("gRPC call '" + call + "' " + reason.description
				+ ((status != null && reason != Reason.COMPLETED) ? " (status " + status.getCode() + ")" : ""));
		this.reason = reason;
		if (status != null && status.getCause() != null) {
			initCause(status.getCause());
		}
	}

	/**
	 * Returns why the call ended.
	 * @return the reason
	 */
	public Reason reason() {
		return this.reason;
	}

	/**
	 * Why an inbound gRPC call ended.
	 */
	public enum Reason {

		/** The handler closed the call with {@code OK}: its groups are done with. */
		COMPLETED("completed"),

		/** The handler closed the call with an error status. */
		FAILED("failed"),

		/**
		 * The client cancelled the call (an HTTP/2 {@code RST_STREAM}), or its connection went away
		 * mid-call. grpc-java's server tells its transport the two apart ({@code CANCELLED},
		 * {@code UNAVAILABLE}) but cancels the call's context with {@code CANCELLED} "RPC cancelled"
		 * for both (measured with grpc-java 1.85 on Netty), so neither can be told from the other here.
		 */
		CLIENT_CANCELLED("was cancelled by the client, or the client disconnected");

		private final String description;

		Reason(String description) {
			this.description = description;
		}

	}

}
