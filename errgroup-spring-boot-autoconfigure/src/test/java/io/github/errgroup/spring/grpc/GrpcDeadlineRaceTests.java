package io.github.errgroup.spring.grpc;

import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

import com.google.common.util.concurrent.Uninterruptibles;
import io.github.errgroup.ErrGroup;
import io.github.errgroup.ErrGroupException;
import io.github.errgroup.ErrGroupFactory;
import io.github.errgroup.Task;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptors;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * S34 when grpc-java's deadline timer beats the group's, both due at the same instant: made
 * deterministic with a channel whose calls end {@code DEADLINE_EXCEEDED} at once, long before the
 * group's deadline. The close is held until the group's deadline cancels it, so the task ends
 * {@code CANCELLED} and {@code await()} reports the group's {@link TimeoutException} (S13), not the
 * call's status as a failure.
 */
class GrpcDeadlineRaceTests {

	@Test
	void S34_aDeadlineExceededFromTheGroupsDeadlineIsTheGroupsCancellation() throws Exception {
		Channel expiring = ClientInterceptors.intercept(new ExpiringChannel(), new ErrGroupClientInterceptor());
		ExecutorService pool = Executors.newCachedThreadPool();
		try (ErrGroupFactory factory = ErrGroupFactory.create(pool)) {
			Task<String> task;
			AtomicReference<Throwable> thrown = new AtomicReference<>();
			try (ErrGroup group = factory.group("fan-out").timeout(Duration.ofSeconds(2)).open()) {
				task = group.go(() -> {
					try { // not woken by the group's interrupt: waits for the call's own close
						return Uninterruptibles.getUninterruptibly(
								ClientCalls.futureUnaryCall(expiring.newCall(SlowService.WORK, CallOptions.DEFAULT), "x"));
					}
					catch (ExecutionException ex) {
						thrown.set(ex.getCause());
						throw (StatusRuntimeException) ex.getCause();
					}
				});
				assertThatExceptionOfType(ErrGroupException.class).isThrownBy(group::await)
					.withCauseInstanceOf(TimeoutException.class);
			}
			assertThat(task.state()).isEqualTo(Task.State.CANCELLED);
			assertThat(thrown.get()).isInstanceOfSatisfying(StatusRuntimeException.class, (ex) -> {
				assertThat(ex.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
				assertThat(ex).cause().isInstanceOf(CancellationException.class).cause().isInstanceOf(TimeoutException.class);
			});
		}
		finally {
			pool.shutdownNow();
		}
	}

	/** A channel whose every call ends DEADLINE_EXCEEDED as it starts, as grpc-java's timer ends it. */
	private static final class ExpiringChannel extends Channel {

		@Override
		public <ReqT, RespT> ClientCall<ReqT, RespT> newCall(MethodDescriptor<ReqT, RespT> method,
				CallOptions options) {
			return new ClientCall<>() {

				@Override
				public void start(Listener<RespT> listener, Metadata headers) {
					listener.onClose(Status.DEADLINE_EXCEEDED.withDescription("deadline exceeded (simulated)"),
							new Metadata());
				}

				@Override
				public void request(int numMessages) {
				}

				@Override
				public void cancel(@Nullable String message, @Nullable Throwable cause) {
				}

				@Override
				public void halfClose() {
				}

				@Override
				public void sendMessage(ReqT message) {
				}

			};
		}

		@Override
		public String authority() {
			return "expiring";
		}

	}

}
