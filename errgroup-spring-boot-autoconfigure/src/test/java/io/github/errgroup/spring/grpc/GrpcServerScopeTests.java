package io.github.errgroup.spring.grpc;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.github.errgroup.spring.grpc.GrpcCallEndedException.Reason;
import io.github.errgroup.spring.web.DeadlineHeaders;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ClientCall;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * S33 on a real grpc-java server on Netty, with a real client over loopback: the client's cancel, its
 * disconnect and the call's deadline reach the task of a group the handler opened, which is
 * interrupted with a cause naming which; the call's deadline is the scope's.
 */
class GrpcServerScopeTests {

	private SlowService server;

	private ManagedChannel channel;

	@BeforeEach
	void start() throws Exception {
		this.server = new SlowService();
		this.channel = channel(this.server.port());
	}

	@AfterEach
	void stop() throws Exception {
		this.channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
		this.server.close();
	}

	static ManagedChannel channel(int port) {
		return Grpc.newChannelBuilder("localhost:" + port, InsecureChannelCredentials.create()).build();
	}

	@Test
	void S33_theClientsCancelCancelsTheGroupsOfTheCall() throws Exception {
		ClientCall<String, String> call = this.channel.newCall(SlowService.WORK, CallOptions.DEFAULT);
		var response = ClientCalls.futureUnaryCall(call, "forever");
		SlowService.Handled handled = this.server.next();
		assertThat(handled.started.await(10, TimeUnit.SECONDS)).isTrue();
		call.cancel("the client gave up", null);
		Throwable cause = handled.interrupted.get(10, TimeUnit.SECONDS);
		assertThat(cause).isInstanceOfSatisfying(GrpcCallEndedException.class,
				(ended) -> assertThat(ended.reason()).isEqualTo(Reason.CLIENT_CANCELLED));
		assertThat(cause).hasMessage("gRPC call 'gRPC test.Slow/Work' was cancelled by the client, or the client disconnected (status CANCELLED)");
		assertThatExceptionOfType(ExecutionException.class).isThrownBy(() -> response.get(10, TimeUnit.SECONDS));
	}

	/**
	 * grpc-java's server reports a connection that went away as it reports a client's cancel: its
	 * transport says {@code UNAVAILABLE}, but the call's context is cancelled with {@code CANCELLED}
	 * "RPC cancelled" either way, so the cause cannot say more than "the client cancelled or left".
	 */
	@Test
	void S33_theClientsDisconnectCancelsTheGroupsOfTheCall() throws Exception {
		try (TcpProxy proxy = new TcpProxy(this.server.port())) {
			ManagedChannel throughProxy = channel(proxy.port());
			try {
				var response = ClientCalls.futureUnaryCall(throughProxy.newCall(SlowService.WORK, CallOptions.DEFAULT),
						"forever");
				SlowService.Handled handled = this.server.next();
				assertThat(handled.started.await(10, TimeUnit.SECONDS)).isTrue();
				proxy.cut();
				Throwable cause = handled.interrupted.get(10, TimeUnit.SECONDS);
				assertThat(cause).isInstanceOfSatisfying(GrpcCallEndedException.class,
						(ended) -> assertThat(ended.reason()).isEqualTo(Reason.CLIENT_CANCELLED));
				assertThatExceptionOfType(Exception.class).isThrownBy(() -> response.get(10, TimeUnit.SECONDS));
			}
			finally {
				throughProxy.shutdownNow();
			}
		}
	}

	@Test
	void S33_theCallsDeadlineIsTheScopesDeadline() throws Exception {
		Instant sent = Instant.now();
		assertThatExceptionOfType(StatusRuntimeException.class)
			.isThrownBy(() -> ClientCalls.blockingUnaryCall(this.channel, SlowService.WORK,
					CallOptions.DEFAULT.withDeadlineAfter(500, TimeUnit.MILLISECONDS), "forever"))
			.satisfies((ex) -> assertThat(ex.getStatus().getCode()).hasToString("DEADLINE_EXCEEDED"));
		SlowService.Handled handled = this.server.next();
		assertThat(handled.scopeDeadline).isPresent();
		assertThat(handled.scopeDeadline.get()).isBetween(sent, sent.plus(Duration.ofMillis(600)));
		assertThat(handled.callDeadline).isNotNull();
		Throwable cause = handled.interrupted.get(10, TimeUnit.SECONDS);
		assertThat(cause).isInstanceOf(TimeoutException.class);
		assertThat(cause.getMessage()).contains("test.Slow/Work");
	}

	/**
	 * S35 over gRPC: a call that crossed a mesh may carry its deadline in our millisecond header or
	 * Envoy's rather than in {@code grpc-timeout}; the earliest of them all is the scope's.
	 */
	@Test
	void S35_S33_theDeadlineHeadersOfTheMeshInTheMetadata_theEarliestIsTheScopesDeadline() throws Exception {
		try (SlowService mesh = new SlowService(new ErrGroupServerInterceptor(DeadlineHeaders.defaults()))) {
			ManagedChannel meshChannel = channel(mesh.port());
			try {
				Metadata headers = new Metadata();
				headers.put(Metadata.Key.of("Request-Timeout", Metadata.ASCII_STRING_MARSHALLER), "400");
				headers.put(Metadata.Key.of(DeadlineHeaders.ENVOY_EXPECTED_TIMEOUT, Metadata.ASCII_STRING_MARSHALLER),
						"60000");
				Instant sent = Instant.now();
				Channel withHeaders = ClientInterceptors.intercept(meshChannel,
						MetadataUtils.newAttachHeadersInterceptor(headers));
				var response = ClientCalls.futureUnaryCall(withHeaders.newCall(SlowService.WORK,
						CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS)), "forever");
				SlowService.Handled handled = mesh.next();
				assertThat(handled.scopeDeadline).isPresent();
				assertThat(handled.scopeDeadline.get()).isBetween(sent, sent.plus(Duration.ofMillis(500)));
				assertThat(handled.interrupted.get(10, TimeUnit.SECONDS)).isInstanceOf(TimeoutException.class);
				response.cancel(true);
			}
			finally {
				meshChannel.shutdownNow();
			}
		}
	}

	@Test
	void S33_aCallThatCompletesEndsItsScopeAsCompleted() throws Exception {
		assertThat(ClientCalls.blockingUnaryCall(this.channel, SlowService.WORK, CallOptions.DEFAULT, "0"))
			.isEqualTo("done");
		SlowService.Handled handled = this.server.next();
		assertThat(handled.scopeDeadline).isEmpty();
		assertThat(handled.interrupted).isNotDone();
	}

}
