package io.github.errgroup.sample;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The sample app under Spring AOT: the jar this module packages has been through
 * {@code spring-boot:process-aot}, which evaluated the starter's conditions at build time and wrote the
 * bean definitions out as code. Started in a JVM of its own with {@code -Dspring.aot.enabled=true}, it
 * must run on that code and serve a product page (200), a failing one (502) and one whose query, slow
 * in the database, is cancelled when a sibling fails (502 at once). Runs after
 * {@code package}, in surefire's {@code aot} execution (see the pom).
 */
class SampleAppAotIT {

	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	private Process app;

	private Path log;

	@AfterEach
	void stopApp() throws InterruptedException {
		if (this.app != null) {
			this.app.destroy();
			if (!this.app.waitFor(30, TimeUnit.SECONDS)) {
				this.app.destroyForcibly().waitFor();
			}
		}
	}

	@Test
	void aotProcessedJar_servesAPage_andAFailingPage() throws Exception {
		String packaged = System.getProperty("sample.jar");
		assumeTrue(packaged != null, "needs the packaged jar: runs after package, in surefire's aot execution");
		Path jar = Path.of(packaged);
		assertThat(jar).isRegularFile();
		int port = freePort();
		this.log = Path.of("target", "aot-app.log");
		// Properties still bind at run time under AOT: a longer page deadline than the sample's 800 ms keeps
		// a cold JVM on a busy machine from answering 504 instead of the statuses checked here.
		this.app = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
				"-Dspring.aot.enabled=true", "-jar", jar.toString(), "--server.address=127.0.0.1",
				"--server.port=" + port, "--spring.grpc.server.port=0", "--errgroup.groups.product.timeout=30s")
			.redirectErrorStream(true)
			.redirectOutput(this.log.toFile())
			.start();
		await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250)).until(() -> {
			if (!this.app.isAlive()) {
				throw new AssertionError("the app exited with " + this.app.exitValue() + "; its log:\n" + tail());
			}
			return get(port, "/actuator/health") == 200;
		});
		assertThat(Files.readString(this.log)).as("started from the AOT-generated code")
			.contains("Starting AOT-processed SampleApplication");

		assertThat(get(port, "/api/products/42")).isEqualTo(200);
		assertThat(get(port, "/api/products/42?fail=pricing")).isEqualTo(502);
		// The statement-cancel hook is wired under AOT too (S30): the query sleeping 10 s in H2 is cancelled.
		long start = System.nanoTime();
		assertThat(get(port, "/api/products/42?slow=inventory&fail=pricing")).isEqualTo(502);
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
	}

	private int get(int port, String path) {
		HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
			.timeout(Duration.ofSeconds(30))
			.build();
		try {
			return this.http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
		}
		catch (IOException ex) {
			return -1; // not listening yet
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return -1;
		}
	}

	private String tail() throws IOException {
		List<String> lines = Files.readAllLines(this.log);
		return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
	}

	private static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
	}

}
