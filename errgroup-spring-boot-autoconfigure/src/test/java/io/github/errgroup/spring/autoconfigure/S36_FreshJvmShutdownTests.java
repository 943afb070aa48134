package io.github.errgroup.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
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
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.github.errgroup.spring.autoconfigure.bareapp.BareApplication;
import io.github.errgroup.spring.autoconfigure.web.WebTestSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;

import org.springframework.boot.logging.LogLevel;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.util.FileSystemUtils;

/**
 * S36 as a user meets it: a real application ({@link BareApplication}: the starter, default settings,
 * no exception handling of its own) in a child JVM of its own, SIGTERM ({@link Process#destroy()})
 * while requests are blocked in their groups, and every client must get a complete HTTP answer, 503.
 * Each round is a fresh JVM: in a warm one the error path's classes are loaded already, and the race
 * this rule is about (the request left Tomcat's servlet before its answer was written, so graceful
 * shutdown no longer waited for it) hid.
 *
 * <p>One round of each kind by default. For the measurement, {@code -Derrgroup.shutdown.rounds=30}
 * runs that many one-request rounds and a sixth as many 20-at-once rounds of each stack, and reports
 * every round on the {@code errgroup.measurements.S36_FreshJvmShutdownTests} logger (run with
 * {@code -Dlogging.level.errgroup.measurements=debug}); see the README's shutdown section.
 */
@Timeout(value = 1, unit = TimeUnit.HOURS) // the measurement's rounds; a default run takes well under a minute
class S36_FreshJvmShutdownTests {

	private static final Logger measured = WebTestSupport.measurements(S36_FreshJvmShutdownTests.class);

	/** Far above what a start-up or a shutdown takes on a loaded machine; what a hang would exceed. */
	private static final Duration BOUNDED = Duration.ofSeconds(90);

	/** A Spring Boot start-up took 74 s with a load average of 36 on two cores. */
	private static final Duration START_UP = Duration.ofMinutes(4);

	private static final int ROUNDS = Integer.getInteger("errgroup.shutdown.rounds", 1);

	static {
		// No application context starts in this JVM to apply -Dlogging.level.errgroup.measurements.
		String level = System.getProperty("logging.level.errgroup.measurements");
		if (level != null) {
			LoggingSystem.get(S36_FreshJvmShutdownTests.class.getClassLoader())
				.setLogLevel("errgroup.measurements", LogLevel.valueOf(level.toUpperCase(java.util.Locale.ROOT)));
		}
	}

	@TempDir
	Path temp;

	@Test
	void S36_mvc_oneRequestBlockedInAGroup_isAnswered503WhenTheJvmIsTerminated() throws Exception {
		rounds("servlet", 1, ROUNDS);
	}

	@Test
	void S36_mvc_twentyRequestsBlockedInGroups_areAllAnswered503WhenTheJvmIsTerminated() throws Exception {
		rounds("servlet", 20, Math.max(1, ROUNDS / 6));
	}

	@Test
	void S36_webflux_oneRequestBlockedInAGroup_isAnswered503WhenTheJvmIsTerminated() throws Exception {
		rounds("reactive", 1, ROUNDS);
	}

	@Test
	void S36_webflux_twentyRequestsBlockedInGroups_areAllAnswered503WhenTheJvmIsTerminated() throws Exception {
		rounds("reactive", 20, Math.max(1, ROUNDS / 6));
	}

	/** Runs every round, then fails if any client of any round got less than a complete 503. */
	private void rounds(String stack, int requests, int rounds) throws Exception {
		List<String> broken = new ArrayList<>();
		int unanswered = 0;
		for (int round = 1; round <= rounds; round++) {
			Map<String, Integer> outcomes = round(stack, requests, round);
			measured.debug("S36 {} round {}/{}, {} request(s) in flight at SIGTERM: {}", stack, round, rounds, requests,
					outcomes);
			if (!outcomes.keySet().equals(Set.of("503"))) {
				broken.add("round " + round + ": " + outcomes);
			}
			if (!outcomes.keySet().stream().allMatch((outcome) -> outcome.matches("\\d{3}"))) {
				unanswered++;
			}
		}
		measured.debug("S36 {}, {} request(s) a round: {} of {} rounds where a client got no complete answer, {} "
				+ "where one got no complete 503; load average {}", stack, requests, unanswered, rounds, broken.size(),
				loadAverage());
		assertThat(broken).as("%s rounds where a client got no complete 503 (%s of %s)", stack, broken.size(), rounds)
			.isEmpty();
	}

	/**
	 * One fresh JVM: start, block {@code requests} requests in their groups, SIGTERM, collect what each
	 * client got ({@code "503"}, another status, or the exception of a reply that was not complete).
	 */
	private Map<String, Integer> round(String stack, int requests, int round) throws Exception {
		Path dir = Files.createDirectory(this.temp.resolve(stack + "-" + requests + "-" + round));
		Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
				"-XX:+UseSerialGC", "-Xmx256m", "-cp", System.getProperty("java.class.path"),
				BareApplication.class.getName(), "--spring.main.web-application-type=" + stack, "--server.port=0",
				"--server.address=127.0.0.1", "--bare.dir=" + dir, "--bare.expected=" + requests,
				"--spring.main.banner-mode=off",
				// 20 tasks blocked at once on WebFlux, where no awaiting thread runs them (S15): 8 threads by default
				"--errgroup.executor.pool.core-size=24")
			.redirectErrorStream(true)
			.redirectOutput(dir.resolve("output.log").toFile())
			.start();
		try {
			int port = Integer.parseInt(awaitFile(child, dir, "port", START_UP));
			HttpClient http = HttpClient.newBuilder()
				.version(HttpClient.Version.HTTP_1_1)
				.connectTimeout(Duration.ofSeconds(10))
				.build();
			HttpRequest blocked = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/blocked"))
				.timeout(BOUNDED)
				.build();
			List<CompletableFuture<String>> answers = new ArrayList<>();
			for (int i = 0; i < requests; i++) {
				answers.add(http.sendAsync(blocked, HttpResponse.BodyHandlers.ofString())
					.handle((response, failure) -> (failure != null) ? describe(failure)
							: Integer.toString(response.statusCode())));
			}
			awaitFile(child, dir, "inside", BOUNDED);
			child.destroy(); // SIGTERM: Spring Boot's shutdown hook closes the context
			Map<String, Integer> outcomes = new TreeMap<>();
			for (CompletableFuture<String> answer : answers) {
				outcomes.merge(answer.get(BOUNDED.toSeconds(), TimeUnit.SECONDS), 1, Integer::sum);
			}
			assertThat(child.waitFor(BOUNDED.toSeconds(), TimeUnit.SECONDS)).as("the child JVM exited").isTrue();
			if (!outcomes.keySet().equals(Set.of("503"))) {
				measured.debug("S36 {} round {}: the child's output:\n{}", stack, round,
						Files.readString(dir.resolve("output.log")));
			}
			return outcomes;
		}
		finally {
			child.destroyForcibly();
			FileSystemUtils.deleteRecursively(dir);
		}
	}

	/** Waits for a file the child writes; fails with the child's output if it died first. */
	private static String awaitFile(Process child, Path dir, String name, Duration within) throws IOException {
		Path file = dir.resolve(name);
		await().atMost(within)
			.pollInterval(Duration.ofMillis(20))
			.until(() -> Files.exists(file) || !child.isAlive());
		if (!Files.exists(file)) {
			fail("the child JVM exited before writing '%s':%n%s", name, Files.readString(dir.resolve("output.log")));
		}
		return Files.readString(file).trim();
	}

	private static String describe(Throwable failure) {
		Throwable cause = (failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null)
				? failure.getCause() : failure;
		return cause.getClass().getSimpleName() + ": " + cause.getMessage();
	}

	private static String loadAverage() {
		try {
			return Files.readString(Path.of("/proc/loadavg")).trim();
		}
		catch (IOException ex) {
			return String.format("%.2f",
					java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
		}
	}

}
