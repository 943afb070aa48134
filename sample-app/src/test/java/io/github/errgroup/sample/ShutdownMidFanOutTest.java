package io.github.errgroup.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.boot.logging.LogLevel;
import org.springframework.boot.logging.LoggingSystem;

/**
 * S36 on the sample: the product page's fan-out blocked mid-wait (its details call is slow), SIGTERM
 * to the sample's own JVM, and every client gets a complete answer, the 503 of {@code FanOutErrors}.
 * Each round is a fresh JVM, as a deployment's is. One round with one request and one with 20 by
 * default; {@code -Dsample.shutdown.rounds=30} for more, reported on the
 * {@code errgroup.measurements.ShutdownMidFanOutTest} logger at DEBUG.
 */
@Timeout(value = 1, unit = TimeUnit.HOURS)
class ShutdownMidFanOutTest {

	private static final Logger MEASUREMENTS = LoggerFactory.getLogger("errgroup.measurements.ShutdownMidFanOutTest");

	private static final Duration BOUNDED = Duration.ofSeconds(90);

	/** A Spring Boot start-up took 74 s with a load average of 36 on two cores. */
	private static final Duration START_UP = Duration.ofMinutes(4);

	private static final int ROUNDS = Integer.getInteger("sample.shutdown.rounds", 1);

	static {
		// No application context starts in this JVM to apply -Dlogging.level.errgroup.measurements.
		String level = System.getProperty("logging.level.errgroup.measurements");
		if (level != null) {
			LoggingSystem.get(ShutdownMidFanOutTest.class.getClassLoader())
				.setLogLevel("errgroup.measurements", LogLevel.valueOf(level.toUpperCase(Locale.ROOT)));
		}
	}

	private static final Pattern PORT = Pattern.compile("Tomcat started on port (\\d+)");

	private static final Pattern DETAILS_STARTED = Pattern.compile("\"details\":\\{[^}]*\"started\":(\\d+)");

	@TempDir
	Path temp;

	@Test
	void S36_oneProductPageBlockedMidFanOut_isAnswered503WhenTheJvmIsTerminated() throws Exception {
		rounds(1, ROUNDS);
	}

	@Test
	void S36_twentyProductPagesBlockedMidFanOut_areAllAnswered503WhenTheJvmIsTerminated() throws Exception {
		rounds(20, Math.max(1, ROUNDS / 6));
	}

	private void rounds(int requests, int rounds) throws Exception {
		List<String> broken = new ArrayList<>();
		for (int round = 1; round <= rounds; round++) {
			Map<String, Integer> outcomes = round(requests, round);
			MEASUREMENTS.debug("S36 sample round {}/{}, {} page(s) in flight at SIGTERM: {}", round, rounds, requests,
					outcomes);
			if (!outcomes.keySet().equals(java.util.Set.of("503"))) {
				broken.add("round " + round + ": " + outcomes);
			}
		}
		assertThat(broken).as("rounds where a client got no complete 503 (%s of %s)", broken.size(), rounds).isEmpty();
	}

	private Map<String, Integer> round(int requests, int round) throws Exception {
		Path output = this.temp.resolve("sample-" + requests + "-" + round + ".log");
		Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
				"-XX:+UseSerialGC", "-Xmx384m", "-cp", System.getProperty("java.class.path"),
				SampleApplication.class.getName(), "--server.port=0", "--server.address=127.0.0.1",
				"--spring.main.banner-mode=off",
				// blocked mid-wait for as long as the test needs, not answered 504 by the page's 800 ms
				"--errgroup.groups.product.timeout=5m", "--sample.downstream.slow=5m")
			.redirectErrorStream(true)
			.redirectOutput(output.toFile())
			.start();
		try {
			int port = awaitPort(child, output);
			// The sample's own warm-up calls the downstreams too: count the test's calls only after it.
			await().atMost(START_UP)
				.pollInterval(Duration.ofMillis(20))
				.until(() -> Files.readString(output).contains("Warmed up in") || !child.isAlive());
			HttpClient http = HttpClient.newBuilder()
				.version(HttpClient.Version.HTTP_1_1)
				.connectTimeout(Duration.ofSeconds(10))
				.build();
			long startedBefore = detailsStarted(http, port);
			HttpRequest page = HttpRequest
				.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/products/42?slow=details"))
				.timeout(BOUNDED)
				.build();
			List<CompletableFuture<String>> answers = new ArrayList<>();
			for (int i = 0; i < requests; i++) {
				answers.add(http.sendAsync(page, HttpResponse.BodyHandlers.ofString())
					.handle((response, failure) -> (failure != null) ? failure.toString()
							: Integer.toString(response.statusCode())));
			}
			// Every page is waiting for its details call once the downstream has counted them all.
			await().atMost(BOUNDED)
				.pollInterval(Duration.ofMillis(20))
				.until(() -> detailsStarted(http, port) - startedBefore >= requests);
			child.destroy(); // SIGTERM
			Map<String, Integer> outcomes = new TreeMap<>();
			for (CompletableFuture<String> answer : answers) {
				outcomes.merge(answer.get(BOUNDED.toSeconds(), TimeUnit.SECONDS), 1, Integer::sum);
			}
			assertThat(child.waitFor(BOUNDED.toSeconds(), TimeUnit.SECONDS)).as("the sample's JVM exited").isTrue();
			if (!outcomes.keySet().equals(java.util.Set.of("503"))) {
				MEASUREMENTS.debug("S36 sample round {}: its output:\n{}", round, Files.readString(output));
			}
			return outcomes;
		}
		finally {
			child.destroyForcibly();
		}
	}

	private static int awaitPort(Process child, Path output) throws IOException {
		await().atMost(START_UP)
			.pollInterval(Duration.ofMillis(20))
			.until(() -> PORT.matcher(Files.readString(output)).find() || !child.isAlive());
		Matcher port = PORT.matcher(Files.readString(output));
		assertThat(port.find()).as("the sample started:%n%s", Files.readString(output)).isTrue();
		return Integer.parseInt(port.group(1));
	}

	private static long detailsStarted(HttpClient http, int port) throws Exception {
		String stats = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/downstream/stats"))
			.timeout(BOUNDED)
			.build(), HttpResponse.BodyHandlers.ofString()).body();
		Matcher started = DETAILS_STARTED.matcher(stats);
		return started.find() ? Long.parseLong(started.group(1)) : 0;
	}

}
