package io.github.errgroup.spring.grpc;

import java.util.Arrays;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
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
 * interrupted, p50 and p99 over 200 calls each. Off unless {@code -Derrgroup.measure=true}; the numbers
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
