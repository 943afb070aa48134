package io.github.errgroup.spring.web;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import io.github.errgroup.CancellationScope;
import io.github.errgroup.spring.web.DeadlineHeaders.Format;
import io.github.errgroup.spring.web.DeadlineHeaders.Received;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * S35: each deadline format read exactly as defined, the earliest of those present, what an outgoing
 * call sends in each.
 */
@Timeout(10)
class DeadlineHeadersTests {

	private final DeadlineHeaders all = DeadlineHeaders.defaults();

	/** Headers as a server gives them: looked up by name, whatever its case. */
	private static Map<String, String> headers(String... namesAndValues) {
		Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
		for (int i = 0; i < namesAndValues.length; i += 2) {
			headers.put(namesAndValues[i], namesAndValues[i + 1]);
		}
		return headers;
	}

	private Received read(DeadlineHeaders deadlineHeaders, String... namesAndValues) {
		return deadlineHeaders.read(headers(namesAndValues)::get, "GET /x");
	}

	@ParameterizedTest
	@CsvSource({ "1n, PT0.000000001S", "99999999n, PT0.099999999S", "250u, PT0.00025S", "500m, PT0.5S", "2S, PT2S",
			"3M, PT3M", "1H, PT1H", "99999999H, PT99999999H", "0m, PT0S", "0H, PT0S", "00000007S, PT7S" })
	void S35_grpcTimeout_everyUnit(String value, Duration expected) {
		assertThat(DeadlineHeaders.parseGrpcTimeout(value)).isEqualTo(expected);
		assertThat(read(this.all, "grpc-timeout", value).timeLeft()).isEqualTo(expected);
	}

	@ParameterizedTest
	@ValueSource(strings = { "", "m", "5", "5s", "5h", "5ms", "5 m", "-5m", "+5m", "5.0S", "123456789m", "1e3m", "５m",
			"5mm", "m5", "0x5S" })
	void S35_grpcTimeout_notItsFormat_isIgnored(String value) {
		assertThat(DeadlineHeaders.parseGrpcTimeout(value)).isNull();
		assertThat(read(this.all, "grpc-timeout", value)).isNull();
	}

	@Test
	void S35_envoyHeader_isWholeMilliseconds_andItsZeroIsNoTimeout() {
		assertThat(read(this.all, "x-envoy-expected-rq-timeout-ms", "1500").timeLeft()).isEqualTo(Duration.ofMillis(1500));
		assertThat(read(this.all, "X-Envoy-Expected-Rq-Timeout-Ms", " 7 ").timeLeft()).isEqualTo(Duration.ofMillis(7));
		assertThat(read(this.all, "x-envoy-expected-rq-timeout-ms", "0")).isNull();
		for (String bad : new String[] { "-1", "1.5", "15s", "abc", "", "9".repeat(16) }) {
			assertThat(read(this.all, "x-envoy-expected-rq-timeout-ms", bad)).as("'%s'", bad).isNull();
		}
	}

	@Test
	void S35_ourHeader_isWholeMilliseconds_andItsZeroIsNoTimeLeft() {
		assertThat(read(this.all, "request-timeout", "250").timeLeft()).isEqualTo(Duration.ofMillis(250));
		assertThat(read(this.all, "Request-Timeout", "0").timeLeft()).isZero();
		assertThat(read(this.all, "Request-Timeout", "250ms")).isNull();
	}

	@Test
	void S35_theEarliestOfThosePresentWins_whicheverItIs() {
		Received received = read(this.all, "Request-Timeout", "900", "grpc-timeout", "400m",
				"x-envoy-expected-rq-timeout-ms", "700");
		assertThat(received).isEqualTo(new Received("grpc-timeout", "400m", Duration.ofMillis(400)));
		assertThat(read(this.all, "Request-Timeout", "300", "grpc-timeout", "1S", "x-envoy-expected-rq-timeout-ms", "700")
			.header()).isEqualTo("Request-Timeout");
		assertThat(read(this.all, "Request-Timeout", "900", "grpc-timeout", "1S", "x-envoy-expected-rq-timeout-ms", "700")
			.header()).isEqualTo("x-envoy-expected-rq-timeout-ms");
		// gRPC's finer units count: 399,999 µs is earlier than 400 ms.
		assertThat(read(this.all, "Request-Timeout", "400", "grpc-timeout", "399999u").header()).isEqualTo("grpc-timeout");
	}

	@Test
	void S35_aMalformedHeader_doesNotHideAValidOne() {
		assertThat(read(this.all, "Request-Timeout", "soon", "grpc-timeout", "5s", "x-envoy-expected-rq-timeout-ms", "800")
			.timeLeft()).isEqualTo(Duration.ofMillis(800));
	}

	@Test
	void S35_onlyTheHonouredFormatsAreRead() {
		DeadlineHeaders grpcOnly = new DeadlineHeaders("Request-Timeout", Set.of(Format.GRPC_TIMEOUT), Set.of());
		assertThat(read(grpcOnly, "Request-Timeout", "100", "x-envoy-expected-rq-timeout-ms", "100")).isNull();
		assertThat(read(grpcOnly, "Request-Timeout", "100", "grpc-timeout", "2S").timeLeft()).isEqualTo(Duration.ofSeconds(2));
		DeadlineHeaders none = new DeadlineHeaders("Request-Timeout", Set.of(), Set.of());
		assertThat(read(none, "Request-Timeout", "100", "grpc-timeout", "1m")).isNull();
		DeadlineHeaders renamed = new DeadlineHeaders("X-Deadline-Ms", EnumSet.allOf(Format.class), Set.of());
		assertThat(read(renamed, "Request-Timeout", "100")).isNull();
		assertThat(read(renamed, "x-deadline-ms", "100").timeLeft()).isEqualTo(Duration.ofMillis(100));
		assertThat(renamed.inboundHeaders()).containsExactly("X-Deadline-Ms", "grpc-timeout",
				"x-envoy-expected-rq-timeout-ms");
		assertThat(new DeadlineHeaders("", EnumSet.allOf(Format.class), Set.of()).inboundHeaders())
			.containsExactly("grpc-timeout", "x-envoy-expected-rq-timeout-ms");
	}

	@ParameterizedTest
	@CsvSource({ "PT0S, 0n", "PT0.000000001S, 1n", "PT0.099999999S, 99999999n", "PT0.1S, 100000u",
			"PT0.4999999S, 499999u", "PT99.999999999S, 99999999u", "PT100S, 100000m", "PT27H46M39.999S, 99999999m",
			"PT27H46M40S, 100000S", "PT1000000H, 60000000M", "PT1666666H40M, 1666666H", "PT99999999H, 99999999H" })
	void S35_grpcTimeout_sentInTheFinestUnitThatHoldsIt_roundedDown(Duration left, String expected) {
		assertThat(DeadlineHeaders.formatGrpcTimeout(left)).isEqualTo(expected);
		assertThat(DeadlineHeaders.parseGrpcTimeout(expected)).isLessThanOrEqualTo(left);
	}

	@Test
	void S35_grpcTimeout_beyondWhatItCanSay_isNotSent_andANegativeOneIsZero() {
		assertThat(DeadlineHeaders.formatGrpcTimeout(Duration.ofHours(100_000_000))).isNull();
		assertThat(DeadlineHeaders.formatGrpcTimeout(Duration.ofMillis(-5))).isEqualTo("0n");
	}

	@Test
	void S35_outbound_eachFormatItsOwnValue() {
		DeadlineHeaders every = new DeadlineHeaders("Request-Timeout", Set.of(), EnumSet.allOf(Format.class));
		CancellationScope scope = CancellationScope.open("call", Duration.ofSeconds(2));
		try {
			Map<String, String> sent = every.write(scope.context());
			assertThat(sent).containsOnlyKeys("Request-Timeout", "grpc-timeout", "x-envoy-expected-rq-timeout-ms");
			assertThat(Long.parseLong(sent.get("Request-Timeout"))).isBetween(1000L, 2000L);
			assertThat(Long.parseLong(sent.get("x-envoy-expected-rq-timeout-ms"))).isBetween(1000L, 2000L);
			assertThat(sent.get("grpc-timeout")).matches("\\d{7}u"); // 1,000,000 µs to 1,999,999 µs
		}
		finally {
			scope.cancel(new IllegalStateException("done"));
		}
		assertThat(every.write(CancellationScope.open("no deadline").context())).isEmpty();
	}

	@Test
	void S35_outbound_noTimeLeft_isZero_exceptToEnvoy_forWhichZeroIsNoTimeout() {
		DeadlineHeaders every = new DeadlineHeaders("Request-Timeout", Set.of(), EnumSet.allOf(Format.class));
		CancellationScope passed = CancellationScope.open("passed", Duration.ofNanos(1));
		Map<String, String> sent = every.write(passed.context());
		assertThat(sent).containsEntry("Request-Timeout", "0")
			.containsEntry("grpc-timeout", "0n")
			.containsEntry("x-envoy-expected-rq-timeout-ms", "1");
	}

	@Test
	void S35_outbound_byDefault_ourMillisecondHeaderOfS25_andGrpcTimeout() {
		CancellationScope scope = CancellationScope.open("call", Duration.ofSeconds(2));
		try {
			assertThat(this.all.write(scope.context())).containsOnlyKeys("Request-Timeout", "grpc-timeout");
			assertThat(this.all.outboundHeaders()).containsExactly("Request-Timeout", "grpc-timeout");
		}
		finally {
			scope.cancel(new IllegalStateException("done"));
		}
	}

}
