package io.github.errgroup.spring.grpc;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.github.errgroup.CancellationScope;
import io.github.errgroup.ErrGroup;
import io.github.errgroup.ErrGroupException;
import io.github.errgroup.ErrGroupFactory;
import io.github.errgroup.Task;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * S34 against a real grpc-java server on Netty over loopback: an outgoing call made in a task carries
 * the group's deadline as grpc-timeout and is cancelled with the group, with blocking, future and async
 * stubs; the task ends CANCELLED; the server's handler sees the deadline and its own work is
 * interrupted (S33 on the far side).
 */
class GrpcClientGroupTests {

	private SlowService server;

	private ManagedChannel managed;

	private Channel channel;

	private final ExecutorService pool = Executors.newCachedThreadPool();

	private final ErrGroupFactory factory = ErrGroupFactory.create(this.pool);

	@BeforeEach
	void start() throws Exception {
		this.server = new SlowService();
		this.managed = GrpcServerScopeTests.channel(this.server.port());
		this.channel = ClientInterceptors.intercept(this.managed, new ErrGroupClientInterceptor());
	}

	@AfterEach
	void stop() throws Exception {
		this.managed.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
		this.server.close();
		this.factory.close();
		this.pool.shutdownNow();
	}

	@Test
	void S34_aBlockingCallIsCancelledWithTheGroup() throws Exception {
		cancelledWithTheGroup(() -> ClientCalls.blockingUnaryCall(this.channel, SlowService.WORK, CallOptions.DEFAULT,
				"forever"));
	}

	@Test
	void S34_aFutureCallIsCancelledWithTheGroup() throws Exception {
		cancelledWithTheGroup(() -> ClientCalls
			.futureUnaryCall(this.channel.newCall(SlowService.WORK, CallOptions.DEFAULT), "forever")
			.get());
	}

	@Test
	void S34_anAsyncCallIsCancelledWithTheGroup() throws Exception {
		cancelledWithTheGroup(() -> {
			CompletableFuture<String> answer = new CompletableFuture<>();
			ClientCalls.asyncUnaryCall(this.channel.newCall(SlowService.WORK, CallOptions.DEFAULT), "forever",
					observer(answer));
			return answer.join();
		});
	}

	private void cancelledWithTheGroup(java.util.concurrent.Callable<String> call) throws Exception {
		Task<String> task;
		try (ErrGroup group = this.factory.newGroup("fan-out")) {
			task = group.go(call);
			SlowService.Handled handled = this.server.next();
			assertThat(handled.started.await(10, TimeUnit.SECONDS)).isTrue();
			group.cancel(new IllegalStateException("a sibling failed"));
			// the far side: its handler's task is interrupted by the reset stream (S33)
			assertThat(handled.interrupted.get(10, TimeUnit.SECONDS)).isInstanceOf(GrpcCallEndedException.class);
			assertThatExceptionOfType(ErrGroupException.class).isThrownBy(group::await)
				.withCauseInstanceOf(IllegalStateException.class);
		}
		assertThat(task.state()).isEqualTo(Task.State.CANCELLED);
	}

	@Test
	void S34_theCallCarriesTheGroupsDeadlineAndEndsWithIt() throws Exception {
		Task<String> task;
		try (ErrGroup group = this.factory.group("fan-out").timeout(Duration.ofMillis(800)).open()) {
			task = group.go(() -> ClientCalls.blockingUnaryCall(this.channel, SlowService.WORK, CallOptions.DEFAULT,
					"forever"));
			SlowService.Handled handled = this.server.next();
			assertThat(handled.callDeadline).isNotNull();
			assertThat(handled.callDeadline.timeRemaining(TimeUnit.MILLISECONDS)).isLessThanOrEqualTo(800);
			assertThat(handled.interrupted.get(10, TimeUnit.SECONDS)).isInstanceOf(TimeoutException.class);
			assertThatExceptionOfType(ErrGroupException.class).isThrownBy(group::await)
				.withCauseInstanceOf(TimeoutException.class);
		}
		assertThat(task.state()).isEqualTo(Task.State.CANCELLED);
	}

	@Test
	void S34_aCallsOwnEarlierDeadlineWinsAndIsAFailure() throws Exception {
		try (ErrGroup group = this.factory.group("fan-out").timeout(Duration.ofSeconds(30)).open()) {
			Task<String> task = group.go(() -> ClientCalls.blockingUnaryCall(this.channel, SlowService.WORK,
					CallOptions.DEFAULT.withDeadlineAfter(300, TimeUnit.MILLISECONDS), "forever"));
			SlowService.Handled handled = this.server.next();
			assertThat(handled.callDeadline.timeRemaining(TimeUnit.MILLISECONDS)).isLessThanOrEqualTo(300);
			assertThatExceptionOfType(ErrGroupException.class).isThrownBy(group::await)
				.withCauseInstanceOf(StatusRuntimeException.class);
			assertThat(task.state()).isEqualTo(Task.State.FAILED);
		}
	}

	@Test
	void S34_aCallInAGroupCancelledAlreadyIsNeverSent() throws Exception {
		try (ErrGroup group = this.factory.newGroup("fan-out")) {
			group.cancel();
			CompletableFuture<String> answer = new CompletableFuture<>();
			try (CancellationScope.Binding bound = bind(group)) {
				ClientCalls.asyncUnaryCall(this.channel.newCall(SlowService.WORK, CallOptions.DEFAULT), "0",
						observer(answer));
			}
			assertThatExceptionOfType(Exception.class).isThrownBy(answer::join)
				.havingRootCause()
				.isInstanceOf(java.util.concurrent.CancellationException.class);
			assertThat(this.server.handled).isEmpty();
			assertThatExceptionOfType(ErrGroupException.class).isThrownBy(group::await);
		}
	}

	/**
	 * Two hops, HTTP then gRPC: a web request's scope with 700 ms left (as the servlet filter opens it
	 * from an inbound deadline header) with a group task calling over gRPC; the gRPC server sees the request's
	 * deadline and its work ends when it passes.
	 */
	@Test
	void S34_S25_anHttpRequestsDeadlineReachesTheGrpcServer() throws Exception {
		CancellationScope request = CancellationScope.open("GET /api/products/1", Duration.ofMillis(700));
		try (CancellationScope.Binding bound = request.bind(); ErrGroup group = this.factory.newGroup("product")) {
			Task<String> task = group.go(() -> ClientCalls.blockingUnaryCall(this.channel, SlowService.WORK,
					CallOptions.DEFAULT, "forever"));
			SlowService.Handled handled = this.server.next();
			assertThat(handled.callDeadline.timeRemaining(TimeUnit.MILLISECONDS)).isLessThanOrEqualTo(700);
			assertThat(handled.scopeDeadline).isPresent();
			assertThat(handled.interrupted.get(10, TimeUnit.SECONDS)).isInstanceOf(TimeoutException.class);
			assertThatExceptionOfType(ErrGroupException.class).isThrownBy(group::await)
				.withCauseInstanceOf(TimeoutException.class);
			assertThat(task.state()).isEqualTo(Task.State.CANCELLED);
		}
		finally {
			request.cancel(new java.util.concurrent.CancellationException("request completed"));
		}
	}

	private static CancellationScope.Binding bind(ErrGroup group) {
		CancellationScope scope = CancellationScope.open("caller");
		group.context().onCancel(() -> scope.cancel(group.context().cause()));
		return scope.bind();
	}

	private static StreamObserver<String> observer(CompletableFuture<String> answer) {
		return new StreamObserver<>() {

			@Override
			public void onNext(String value) {
				answer.complete(value);
			}

			@Override
			public void onError(Throwable t) {
				answer.completeExceptionally(t);
			}

			@Override
			public void onCompleted() {
			}

		};
	}

}
