package io.github.errgroup.spring.grpc;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import io.github.errgroup.CancellationScope;
import io.github.errgroup.GroupContext;
import io.github.errgroup.spring.web.DeadlineHeaders;
import io.github.errgroup.spring.grpc.GrpcCallEndedException.Reason;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import org.jspecify.annotations.Nullable;

/**
 * Makes each inbound gRPC call a request scope (S33): a {@link CancellationScope} named
 * {@code "gRPC <service>/<method>"}, whose deadline is the call's, bound to the thread while grpc-java
 * runs the call's handler and listener callbacks ({@code startCall}, {@code onMessage},
 * {@code onHalfClose} — where a unary or client-streaming handler runs —, {@code onReady},
 * {@code onCancel}, {@code onComplete}), so that {@link GroupContext#current()} there is the call's
 * context and every group opened there, or in the tasks under it (S14), is the call's child.
 *
 * <p>The scope is cancelled once, by the first of:
 * <ul>
 * <li>the handler closes the call: {@link GrpcCallEndedException} {@code COMPLETED} for {@code OK},
 * {@code FAILED} otherwise (Go's rule: a handler's context ends when it returns);</li>
 * <li>grpc-java cancels the call's {@link Context} — which it does on its cancel executor, not the
 * call's serializing one, so a handler blocked in {@code onHalfClose} is reached at once: a client's
 * cancel ({@code RST_STREAM}) and a dropped connection are both {@code CLIENT_CANCELLED}, since
 * grpc-java gives the context the same {@code CANCELLED} cause for both; the call's deadline is a
 * {@link TimeoutException}, whether the server's timer fires or the client's, whose reset arrives
 * first (within {@link #DEADLINE_SLACK} of the deadline);</li>
 * <li>the scope's own deadline, the call's, a {@link TimeoutException};</li>
 * <li>{@code onCancel} or {@code onComplete}, for a server whose calls have no cancellable context.</li>
 * </ul>
 * The call's own {@code Context} is grpc-java's, untouched: it is read ({@link Context#getDeadline()},
 * {@link Context#cancellationCause()}) and listened to, not copied.
 *
 * <p>Given {@link DeadlineHeaders} (S35), the scope's deadline is the earliest of the call's own
 * ({@code grpc-timeout}) and those the call's metadata carries in the other inbound formats — our
 * millisecond header, Envoy's {@code x-envoy-expected-rq-timeout-ms} — as for an HTTP request; a
 * malformed value is ignored.
 */
public final class ErrGroupServerInterceptor implements ServerInterceptor {

	/**
	 * A client's reset that comes when less than this is left of the call's deadline is the client's
	 * deadline timer, which fires ahead of the server's by the request's latency: the cause is then a
	 * {@link TimeoutException}, as when the server's own timer fires.
	 */
	static final Duration DEADLINE_SLACK = Duration.ofMillis(100);

	private final @Nullable DeadlineHeaders deadlineHeaders;

	/** Creates the interceptor that reads the call's own deadline only. */
	public ErrGroupServerInterceptor() {
		this(null);
	}

	/**
	 * Creates the interceptor that also reads the deadline headers of the mesh from the call's metadata
	 * (S35).
	 * @param deadlineHeaders the inbound deadline formats to read, or {@code null} for the call's own
	 * deadline only
	 */
	public ErrGroupServerInterceptor(@Nullable DeadlineHeaders deadlineHeaders) {
		this.deadlineHeaders = deadlineHeaders;
	}

	@Override
	public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call, Metadata headers,
			ServerCallHandler<ReqT, RespT> next) {
		String name = "gRPC " + call.getMethodDescriptor().getFullMethodName();
		Context context = Context.current();
		CancellationScope scope = open(name, context.getDeadline(), headerTimeLeft(headers, name));
		Context.CancellationListener onContextCancelled = (cancelled) -> scope
			.cancel(ended(name, cancelled.cancellationCause(), cancelled.getDeadline()));
		context.addListener(onContextCancelled, Runnable::run); // no-op on a context that cannot be cancelled
		GroupContext.Registration cleanUp = scope.context()
			.onCancel(() -> context.removeListener(onContextCancelled));
		ServerCall<ReqT, RespT> ending = new SimpleForwardingServerCall<>(call) {

			@Override
			public void close(Status status, Metadata trailers) {
				try {
					super.close(status, trailers);
				}
				finally {
					scope.cancel(new GrpcCallEndedException(name, status.isOk() ? Reason.COMPLETED : Reason.FAILED,
							status));
				}
			}

		};
		ServerCall.Listener<ReqT> listener;
		try {
			listener = bound(scope, () -> next.startCall(ending, headers));
		}
		catch (RuntimeException | Error ex) {
			scope.cancel(new GrpcCallEndedException(name, Reason.FAILED, Status.fromThrowable(ex)));
			cleanUp.close();
			throw ex;
		}
		return new ScopedListener<>(listener, scope, name);
	}

	private @Nullable Duration headerTimeLeft(Metadata headers, String name) {
		if (this.deadlineHeaders == null) {
			return null;
		}
		DeadlineHeaders.Received received = this.deadlineHeaders
			.read((header) -> headers.get(Metadata.Key.of(header, Metadata.ASCII_STRING_MARSHALLER)), name);
		return (received != null) ? received.timeLeft() : null;
	}

	private static CancellationScope open(String name, @Nullable Deadline deadline, @Nullable Duration headerLeft) {
		if (deadline == null && headerLeft == null) {
			return CancellationScope.open(name);
		}
		long nanos = (deadline != null) ? deadline.timeRemaining(TimeUnit.NANOSECONDS) : Long.MAX_VALUE;
		if (headerLeft != null) {
			nanos = Math.min(nanos, saturatedNanos(headerLeft));
		}
		if (nanos <= 0) {
			CancellationScope scope = CancellationScope.open(name);
			scope.cancel(new TimeoutException("gRPC call '" + name + "' arrived with no time left"));
			return scope;
		}
		return CancellationScope.open(name, Duration.ofNanos(nanos));
	}

	private static long saturatedNanos(Duration duration) {
		try {
			return duration.toNanos();
		}
		catch (ArithmeticException ex) {
			return Long.MAX_VALUE;
		}
	}

	/**
	 * What grpc-java's cancellation of the call's context means, from the cause it gives: a
	 * {@link TimeoutException} for the server's deadline timer; a {@code CANCELLED} status for the
	 * client's {@code RST_STREAM} or its connection's end. A client's own deadline timer runs ahead of the
	 * server's by the request's latency and resets the stream when it fires, so a reset that comes when
	 * less than {@link #DEADLINE_SLACK} of the call's deadline is left is the deadline, not a cancel.
	 */
	static Throwable ended(String name, @Nullable Throwable cause, @Nullable Deadline deadline) {
		if (cause instanceof TimeoutException) {
			return deadlinePassed(name, cause);
		}
		Status status = (cause != null) ? Status.fromThrowable(cause) : Status.CANCELLED;
		return switch (status.getCode()) {
			case DEADLINE_EXCEEDED -> deadlinePassed(name, cause);
			case CANCELLED, UNAVAILABLE -> (deadline != null
					&& deadline.timeRemaining(TimeUnit.NANOSECONDS) <= DEADLINE_SLACK.toNanos())
							? deadlinePassed(name, cause)
							: new GrpcCallEndedException(name, Reason.CLIENT_CANCELLED, status);
			default -> new GrpcCallEndedException(name, Reason.FAILED, status);
		};
	}

	private static TimeoutException deadlinePassed(String name, @Nullable Throwable cause) {
		TimeoutException deadline = new TimeoutException("gRPC call '" + name + "' passed its deadline");
		deadline.initCause(cause);
		return deadline;
	}

	private static <T> T bound(CancellationScope scope, Supplier<T> action) {
		try (CancellationScope.Binding binding = scope.bind()) {
			return action.get();
		}
	}

	/** Runs each callback of the call with its scope bound, and ends the scope with the call. */
	private static final class ScopedListener<ReqT> extends SimpleForwardingServerCallListener<ReqT> {

		private final CancellationScope scope;

		private final String name;

		ScopedListener(ServerCall.Listener<ReqT> delegate, CancellationScope scope, String name) {
			super(delegate);
			this.scope = scope;
			this.name = name;
		}

		@Override
		public void onMessage(ReqT message) {
			try (CancellationScope.Binding binding = this.scope.bind()) {
				super.onMessage(message);
			}
		}

		@Override
		public void onHalfClose() {
			try (CancellationScope.Binding binding = this.scope.bind()) {
				super.onHalfClose();
			}
		}

		@Override
		public void onReady() {
			try (CancellationScope.Binding binding = this.scope.bind()) {
				super.onReady();
			}
		}

		@Override
		public void onCancel() {
			Context context = Context.current();
			this.scope.cancel(ended(this.name, context.cancellationCause(), context.getDeadline()));
			try (CancellationScope.Binding binding = this.scope.bind()) {
				super.onCancel();
			}
		}

		@Override
		public void onComplete() {
			this.scope.cancel(new GrpcCallEndedException(this.name, Reason.COMPLETED, Status.OK));
			try (CancellationScope.Binding binding = this.scope.bind()) {
				super.onComplete();
			}
		}

	}

}
