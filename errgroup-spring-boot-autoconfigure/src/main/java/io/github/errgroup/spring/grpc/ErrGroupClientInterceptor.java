package io.github.errgroup.spring.grpc;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CancellationException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

import io.github.errgroup.GroupContext;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.ForwardingClientCallListener.SimpleForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import org.jspecify.annotations.Nullable;

/**
 * Makes an outgoing gRPC call made where a {@link GroupContext} is current (in a task, or on an inbound
 * call's or web request's thread) honour the group (S34), whatever the stub: blocking, future or async.
 * <ul>
 * <li>Deadline: the call gets the earlier of its own deadline and the group's
 * ({@link CallOptions#withDeadline}), which grpc-java sends as {@code grpc-timeout} and enforces on
 * the client.</li>
 * <li>Cancel: the call is created under a {@link Context.CancellableContext} forked from the current
 * one, which the group's {@code onCancel} cancels with a {@link CancellationException} whose cause is
 * the group's cause; grpc-java then resets the stream ({@code RST_STREAM}) and closes the call
 * {@code CANCELLED} with that exception as the status's cause. The stub throws (or reports) a
 * {@code StatusRuntimeException} caused by a {@link CancellationException}, which the core counts as
 * the group's cancellation (S2): the task ends {@code CANCELLED}. A call made in a group already
 * cancelled is never sent.</li>
 * <li>A deadline the group shares: grpc-java's timer and the group's fire at the same instant, in
 * either order. When the call's {@code DEADLINE_EXCEEDED} comes from the group's deadline, its close
 * is handed to the caller once the group is cancelled (at once, its deadline having passed), with the
 * same {@link CancellationException} as its status's cause: so the task ends {@code CANCELLED} and
 * {@code await()} throws the group's {@code TimeoutException} (S13), not the call's status. Likewise a
 * {@code CANCELLED} or {@code DEADLINE_EXCEEDED} close that reaches a cancelled group for another
 * reason (the inbound call's own context, when the call is made on its thread) gets that cause.</li>
 * </ul>
 * Calls made where no group context is current are left as they are.
 */
public final class ErrGroupClientInterceptor implements ClientInterceptor {

	/** Creates the interceptor. */
	public ErrGroupClientInterceptor() {
	}

	@Override
	public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(MethodDescriptor<ReqT, RespT> method,
			CallOptions callOptions, Channel next) {
		GroupContext group = GroupContext.current().orElse(null);
		if (group == null) {
			return next.newCall(method, callOptions);
		}
		Deadline groupDeadline = deadlineOf(group);
		CallOptions options = callOptions;
		boolean groupDeadlineBinds = groupDeadline != null
				&& (callOptions.getDeadline() == null || groupDeadline.isBefore(callOptions.getDeadline()));
		if (groupDeadlineBinds) {
			options = callOptions.withDeadline(groupDeadline);
		}
		// grpc-java's ClientCallImpl takes Context.current() as it is created: the call's own context,
		// whose cancellation resets its stream
		Context.CancellableContext callContext = Context.current().withCancellation();
		Context previous = callContext.attach();
		ClientCall<ReqT, RespT> call;
		try {
			call = next.newCall(method, options);
		}
		finally {
			callContext.detach(previous);
		}
		return new GroupCall<>(call, method.getFullMethodName(), group, callContext,
				groupDeadlineBinds ? groupDeadline : null, options.getExecutor());
	}

	/** The group's deadline as grpc-java's, or {@code null} if it has none worth sending. */
	static @Nullable Deadline deadlineOf(GroupContext group) {
		Instant deadline = group.deadline().orElse(null);
		if (deadline == null) {
			return null;
		}
		try {
			return Deadline.after(Duration.between(Instant.now(), deadline).toNanos(), TimeUnit.NANOSECONDS);
		}
		catch (ArithmeticException ex) {
			return null; // centuries away
		}
	}

	static CancellationException cancellation(String method, GroupContext group) {
		CancellationException ex = new CancellationException(
				"gRPC call " + method + " was cancelled: '" + group.groupName() + "' was cancelled");
		ex.initCause(group.cause());
		return ex;
	}

	private static boolean causedByCancellation(@Nullable Throwable cause) {
		for (Throwable t = cause; t != null; t = (t.getCause() == t) ? null : t.getCause()) {
			if (t instanceof CancellationException) {
				return true;
			}
		}
		return false;
	}

	/** One outgoing call bound to a group: cancelled with it, closed with the group's cause. */
	private static final class GroupCall<ReqT, RespT> extends SimpleForwardingClientCall<ReqT, RespT> {

		private final String method;

		private final GroupContext group;

		private final Context.CancellableContext callContext;

		/** The group's deadline when it is the call's, else {@code null}. */
		private final @Nullable Deadline groupDeadline;

		/** Where grpc-java delivers this call's callbacks, when the caller chose (a blocking stub's). */
		private final @Nullable Executor callbackExecutor;

		GroupCall(ClientCall<ReqT, RespT> delegate, String method, GroupContext group,
				Context.CancellableContext callContext, @Nullable Deadline groupDeadline,
				@Nullable Executor callbackExecutor) {
			super(delegate);
			this.method = method;
			this.group = group;
			this.callContext = callContext;
			this.groupDeadline = groupDeadline;
			this.callbackExecutor = callbackExecutor;
		}

		@Override
		public void start(Listener<RespT> responseListener, Metadata headers) {
			// registered before start: on a group cancelled already, the context is cancelled at once,
			// and grpc-java closes the call without opening a stream
			GroupContext.Registration registration = this.group
				.onCancel(() -> this.callContext.cancel(cancellation(this.method, this.group)));
			super.start(new SimpleForwardingClientCallListener<>(responseListener) {

				@Override
				public void onClose(Status status, Metadata trailers) {
					registration.close();
					GroupCall<ReqT, RespT> call = GroupCall.this;
					if (status.getCode() == Status.Code.DEADLINE_EXCEEDED && call.groupDeadline != null
							&& !call.group.isCancelled()) {
						// grpc-java's timer beat the group's, due at the same instant: close once it fired
						call.group.onCancel(() -> call.deliverLater(() -> call.close(delegate(), status, trailers)));
						return;
					}
					call.close(delegate(), status, trailers);
				}

			}, headers);
		}

		void close(Listener<RespT> listener, Status status, Metadata trailers) {
			Status closed = status;
			Status.Code code = status.getCode();
			if ((code == Status.Code.CANCELLED || code == Status.Code.DEADLINE_EXCEEDED) && this.group.isCancelled()
					&& !causedByCancellation(status.getCause())) {
				CancellationException cancellation = cancellation(this.method, this.group);
				if (status.getCause() != null) {
					cancellation.addSuppressed(status.getCause());
				}
				closed = status.withCause(cancellation);
			}
			this.callContext.cancel(null); // the call is over: release the context
			listener.onClose(closed, trailers);
		}

		/**
		 * Runs a close held back for the group's deadline on the executor of the call's callbacks, when
		 * the caller gave one: a blocking stub waits on its own executor and wakes only for work queued
		 * there. Else on the thread that cancelled the group.
		 */
		void deliverLater(Runnable close) {
			if (this.callbackExecutor != null) {
				this.callbackExecutor.execute(close);
			}
			else {
				close.run();
			}
		}

	}

}
