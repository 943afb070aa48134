package io.github.errgroup.spring.grpc;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import com.sun.net.httpserver.HttpServer;
import io.github.errgroup.ErrGroup;
import io.github.errgroup.ErrGroupException;
import io.github.errgroup.ErrGroupFactory;
import io.github.errgroup.spring.web.DeadlineHeaders;
import io.github.errgroup.spring.web.client.DeadlineClientHttpRequestInterceptor;
import io.grpc.CallOptions;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import org.junit.jupiter.api.Test;

import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.web.client.RestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Two hops, gRPC then HTTP: a gRPC handler's group task calls an HTTP service with a {@code RestClient}
 * (S25's interceptor); the HTTP service sees the gRPC call's deadline in {@code Request-Timeout}, and
 * when that deadline passes the call is closed on the wire, which the HTTP service sees as its write
 * failing: its work ends.
 */
class GrpcToHttpTests {

	@Test
	void S33_S25_theGrpcCallsDeadlineReachesTheHttpServiceAndEndsItsWork() throws Exception {
		CompletableFuture<String> header = new CompletableFuture<>();
		CompletableFuture<IOException> abandoned = new CompletableFuture<>();
		HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
		http.createContext("/slow", (exchange) -> {
			header.complete(exchange.getRequestHeaders().getFirst("Request-Timeout"));
			exchange.sendResponseHeaders(200, 0);
			try (OutputStream out = exchange.getResponseBody()) {
				for (int i = 0; i < 600; i++) { // 30 s of a space every 50 ms, unless the client leaves
					Thread.sleep(50);
					out.write(' ');
					out.flush();
				}
			}
			catch (IOException ex) {
				abandoned.complete(ex);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		});
		http.createContext("/ping", (exchange) -> {
			exchange.sendResponseHeaders(204, -1);
			exchange.close();
		});
		http.setExecutor(Executors.newCachedThreadPool());
		http.start();
		RestClient rest = RestClient.builder()
			.requestFactory(new JdkClientHttpRequestFactory())
			.requestInterceptor(new DeadlineClientHttpRequestInterceptor(DeadlineHeaders.defaults()))
			.baseUrl("http://127.0.0.1:" + http.getAddress().getPort())
			.build();
		rest.get().uri("/ping").retrieve().toBodilessEntity(); // the client's first call loads its classes
		ExecutorService pool = Executors.newCachedThreadPool();
		ErrGroupFactory factory = ErrGroupFactory.create(pool);
		ServerServiceDefinition service = ServerServiceDefinition.builder("test.Slow")
			.addMethod(SlowService.WORK, ServerCalls.asyncUnaryCall((request, response) -> {
				try (ErrGroup group = factory.newGroup("to-http")) {
					group.go(() -> rest.get().uri("/slow").retrieve().body(String.class));
					group.await();
					response.onNext("done");
					response.onCompleted();
				}
				catch (ErrGroupException ex) {
					response.onError(Status.DEADLINE_EXCEEDED.asRuntimeException());
				}
			}))
			.build();
		Server server = Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
			.addService(ServerInterceptors.intercept(service, new ErrGroupServerInterceptor()))
			.build()
			.start();
		ManagedChannel channel = GrpcServerScopeTests.channel(server.getPort());
		try {
			assertThatExceptionOfType(StatusRuntimeException.class).isThrownBy(() -> ClientCalls.blockingUnaryCall(
					channel, SlowService.WORK, CallOptions.DEFAULT.withDeadlineAfter(3, TimeUnit.SECONDS), "x"));
			assertThat(Long.parseLong(header.get(10, TimeUnit.SECONDS))).isBetween(0L, 3000L);
			assertThat(abandoned.get(10, TimeUnit.SECONDS)).isNotNull();
		}
		finally {
			channel.shutdownNow();
			server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
			factory.close();
			pool.shutdownNow();
			http.stop(0);
		}
	}

}
