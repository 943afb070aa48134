package io.github.errgroup.spring.grpc;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.github.errgroup.CancellationScope;
import io.github.errgroup.ErrGroup;
import io.github.errgroup.ErrGroupFactory;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.stub.ClientCalls;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.boot.logging.LogLevel;
import org.springframework.boot.logging.LoggingSystem;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Measures S33 on grpc-java's Netty server over loopback, for the README, not a timed check: from the
 * client's cancel (or its connection's cut) until the server-side task of the call's group is
 * interrupted, p50 and p99 over 200 calls each; and what is left of an HTTP request's deadline when it
 * reaches a gRPC service two hops on. Off unless {@code -Derrgroup.measure=true}; the numbers
 * go to DEBUG on {@code errgroup.measurements.GrpcCancelMeasurementTests}, with the load average.
 */
@EnabledIfSystemProperty(named = "errgroup.measure", matches = "true")
class GrpcCancelMeasurementTests {

	private static final Logger measured = LoggerFactory.getLogger("errgroup.measurements.GrpcCancelMeasurementTests");

	private static final int CALLS = 200;

	@Test
	void S33_clientCancelToServerTaskInterrupted() throws Exception {
		LoggingSystem.get(getClass().getClassLoader()).setLogLevel("errgroup.measurements", LogLevel.DEBUG);
		try (SlowService server = new SlowService()) {
			ManagedChannel channel = GrpcServerScopeTests.channel(server.port());
			try {
				long[] nanos = new long[CALLS];
				for (int i = 0; i < CALLS; i++) {
					ClientCall<String, String> call = channel.newCall(SlowService.WORK, CallOptions.DEFAULT);
					ClientCalls.futureUnaryCall(call, "forever");
					SlowService.Handled handled = server.next();
					assertThat(handled.started.await(10, TimeUnit.SECONDS)).isTrue();
					long cancelled = System.nanoTime();
					call.cancel("measured", null);
					handled.interrupted.get(10, TimeUnit.SECONDS);
					nanos[i] = handled.interruptedNanos - cancelled;
				}
				report("client cancel (RST_STREAM)", nanos);
			}
			finally {
				channel.shutdownNow();
			}
		}
	}

	@Test
	void S33_clientDisconnectToServerTaskInterrupted() throws Exception {
		LoggingSystem.get(getClass().getClassLoader()).setLogLevel("errgroup.measurements", LogLevel.DEBUG);
		try (SlowService server = new SlowService()) {
			long[] nanos = new long[CALLS];
			for (int i = 0; i < CALLS; i++) {
				try (TcpProxy proxy = new TcpProxy(server.port())) {
					ManagedChannel channel = GrpcServerScopeTests.channel(proxy.port());
					try {
						Future<String> answer = ClientCalls
							.futureUnaryCall(channel.newCall(SlowService.WORK, CallOptions.DEFAULT), "forever");
						SlowService.Handled handled = server.next();
						assertThat(handled.started.await(10, TimeUnit.SECONDS)).isTrue();
						long cut = System.nanoTime();
						proxy.cut();
						handled.interrupted.get(10, TimeUnit.SECONDS);
						nanos[i] = handled.interruptedNanos - cut;
						answer.cancel(true);
					}
					finally {
						channel.shutdownNow();
					}
				}
			}
			report("client disconnect (socket closed, no frame)", nanos);
		}
	}

	/**
	 * Two hops: an HTTP request's scope with 5 s left (as the servlet filter opens it from a deadline
	 * header), a group task calling over gRPC; what the gRPC server's handler finds left of its deadline.
	 */
	@Test
	void S34_twoHopDeadlineAsSeenByTheLastService() throws Exception {
		LoggingSystem.get(getClass().getClassLoader()).setLogLevel("errgroup.measurements", LogLevel.DEBUG);
		ExecutorService pool = Executors.newCachedThreadPool();
		try (SlowService server = new SlowService(); ErrGroupFactory factory = ErrGroupFactory.create(pool)) {
			ManagedChannel managed = GrpcServerScopeTests.channel(server.port());
			Channel channel = ClientInterceptors.intercept(managed, new ErrGroupClientInterceptor());
			try {
				long[] leftMicros = new long[CALLS];
				for (int i = 0; i < CALLS; i++) {
					CancellationScope request = CancellationScope.open("GET /api/products/1", Duration.ofSeconds(5));
					try (CancellationScope.Binding bound = request.bind(); ErrGroup group = factory.newGroup("page")) {
						group.go(() -> ClientCalls.blockingUnaryCall(channel, SlowService.WORK, CallOptions.DEFAULT, "0"));
						group.await();
					}
					finally {
						request.cancel(new CancellationException("request completed"));
					}
					leftMicros[i] = server.next().callDeadline.timeRemaining(TimeUnit.MICROSECONDS);
				}
				Arrays.sort(leftMicros);
				measured.debug("grpc-java Netty, JDK {}, load average {}: HTTP request with 5000 ms left -> the gRPC handler found "
						+ "left, over {}: p50 {} ms, p1 {} ms, min {} ms", Runtime.version(), loadAverage(), CALLS,
						ms(leftMicros[CALLS / 2] * 1000), ms(leftMicros[CALLS / 100] * 1000), ms(leftMicros[0] * 1000));
			}
			finally {
				managed.shutdownNow();
			}
		}
		finally {
			pool.shutdownNow();
		}
	}

	private static void report(String what, long[] nanos) {
		Arrays.sort(nanos);
		measured.debug("grpc-java Netty, JDK {}, load average {}: {} -> server-side task interrupted, over {}: "
				+ "p50 {} ms, p99 {} ms, max {} ms", Runtime.version(), loadAverage(), what, nanos.length,
				ms(nanos[nanos.length / 2]), ms(nanos[nanos.length * 99 / 100 - 1]), ms(nanos[nanos.length - 1]));
	}

	private static String loadAverage() {
		return String.format("%.2f",
				java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
	}

	private static String ms(long nanos) {
		return String.format("%.2f", nanos / 1e6);
	}

}
