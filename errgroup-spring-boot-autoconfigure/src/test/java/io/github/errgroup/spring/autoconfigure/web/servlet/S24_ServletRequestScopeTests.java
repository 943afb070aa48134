package io.github.errgroup.spring.autoconfigure.web.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.github.errgroup.ErrGroup;
import io.github.errgroup.ErrGroupException;
import io.github.errgroup.ErrGroupFactory;
import io.github.errgroup.GroupContext;
import io.github.errgroup.Task;
import io.github.errgroup.spring.autoconfigure.web.WebTestSupport;
import io.github.errgroup.spring.autoconfigure.web.WebTestSupport.Recorder;
import io.github.errgroup.spring.autoconfigure.web.WebTestSupport.Server;
import io.github.errgroup.spring.web.RequestEndedException;
import io.github.errgroup.spring.web.RequestEndedException.Reason;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.async.DeferredResult;

/**
 * S24 on a real Tomcat on a random port, with a real HTTP client: each request's groups end with the
 * request, sync or async, and its deadline cancels them with a {@link TimeoutException}. Over HTTP/1.1
 * Tomcat does not report a client that leaves (docs/web-cancellation.md): then the handler returning,
 * or the deadline, is what ends them; over HTTP/2 it reports a reset stream to an async request.
 */
@Timeout(60)
class S24_ServletRequestScopeTests {

	private static final Logger measured = WebTestSupport.measurements(S24_ServletRequestScopeTests.class);

	static final Recorder recorder = new Recorder();

	/** Opened by the test once its client has hung up; the handler of /client-left waits for it. */
	static final CountDownLatch clientLeft = new CountDownLatch(1);

	@RegisterExtension
	static final Server server = new Server(App.class, WebApplicationType.SERVLET, "errgroup.web.request-timeout=5s",
			"spring.mvc.async.request-timeout=20s");

	/** The same application over HTTP/2 too (h2c: HTTP/1.1 upgrade, or prior knowledge). */
	@RegisterExtension
	static final Server http2 = new Server(App.class, WebApplicationType.SERVLET, "server.http2.enabled=true",
			"errgroup.web.request-timeout=30s", "spring.mvc.async.request-timeout=30s");

	@BeforeEach
	void clear() {
		recorder.clear();
	}

	@Test
	void S24_S17_theRequestThreadsContextIsTheRequests_namedByMethodAndPath_withTheConfiguredDeadline()
			throws Exception {
		HttpResponse<String> response = WebTestSupport.get(server.port(), "/context?x=1");
		assertThat(response.statusCode()).isEqualTo(200);
		String[] nameAndLeft = response.body().split("\\|");
		assertThat(nameAndLeft[0]).isEqualTo("GET /context");
		assertThat(Long.parseLong(nameAndLeft[1])).isBetween(1L, 5000L).isGreaterThan(3000L);
	}

	@Test
	void S24_syncRequest_whenTheHandlerReturns_itsTasksAreInterruptedAndCancelled() throws Exception {
		long start = System.nanoTime();
		HttpResponse<String> response = WebTestSupport.get(server.port(), "/sync-leak");
		long answered = System.nanoTime();
		assertThat(response.statusCode()).isEqualTo(200);
		await().atMost(Duration.ofSeconds(5)).until(() -> recorder.finished("sync-leak").size() == 2);
		measured.debug("S24 sync: tasks ended {} ms after the answer (request took {} ms)",
				(System.nanoTime() - answered) / 1_000_000, (answered - start) / 1_000_000);
		assertThat(recorder.running("sync-leak")).isZero();
		assertThat(recorder.finishedIn("sync-leak", Task.State.CANCELLED)).isEqualTo(2);
		assertThat(recorder.cause("sync-leak")).isInstanceOfSatisfying(RequestEndedException.class,
				(ended) -> assertThat(ended.reason()).isEqualTo(Reason.COMPLETED));
		assertThat(recorder.cause("sync-leak")).hasMessageContaining("GET /sync-leak").hasMessageContaining("completed");
	}

	@Test
	void S24_syncRequest_thatFails_cancelsItsGroupsWithTheFailure() throws Exception {
		HttpResponse<String> response = WebTestSupport.get(server.port(), "/sync-fail");
		assertThat(response.statusCode()).isEqualTo(500);
		await().atMost(Duration.ofSeconds(5)).until(() -> recorder.finished("sync-fail").size() == 1);
		assertThat(recorder.cause("sync-fail")).isInstanceOfSatisfying(RequestEndedException.class,
				(ended) -> assertThat(ended.reason()).isEqualTo(Reason.FAILED));
		assertThat(recorder.cause("sync-fail")).hasRootCauseMessage("the handler failed");
	}

	@Test
	void S24_deferredResult_whenTheRequestCompletes_theSlowSiblingIsInterrupted() throws Exception {
		long start = System.nanoTime();
		HttpResponse<String> response = WebTestSupport.get(server.port(), "/deferred");
		long answered = System.nanoTime();
		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(response.body()).isEqualTo("fast");
		await().atMost(Duration.ofSeconds(5)).until(() -> recorder.finished("deferred").size() == 2);
		measured.debug("S24 DeferredResult: slow task ended {} ms after the answer (request took {} ms)",
				(System.nanoTime() - answered) / 1_000_000, (answered - start) / 1_000_000);
		assertThat(recorder.running("deferred")).isZero();
		assertThat(recorder.finishedIn("deferred", Task.State.CANCELLED)).isEqualTo(1);
		assertThat(recorder.cause("deferred")).isInstanceOfSatisfying(RequestEndedException.class,
				(ended) -> assertThat(ended.reason()).isEqualTo(Reason.COMPLETED));
	}

	@Test
	void S24_completableFuture_whenTheRequestCompletes_theSlowSiblingIsInterrupted() throws Exception {
		HttpResponse<String> response = WebTestSupport.get(server.port(), "/future");
		assertThat(response.body()).isEqualTo("fast");
		await().atMost(Duration.ofSeconds(5)).until(() -> recorder.finished("future").size() == 2);
		assertThat(recorder.running("future")).isZero();
		assertThat(recorder.finishedIn("future", Task.State.CANCELLED)).isEqualTo(1);
		assertThat(recorder.cause("future")).isInstanceOf(RequestEndedException.class);
	}

	@Test
	void S24_callable_runsWithTheRequestsScope_andItsTasksEndWithTheRequest() throws Exception {
		HttpResponse<String> response = WebTestSupport.get(server.port(), "/callable");
		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(response.body()).isEqualTo("GET /callable");
		await().atMost(Duration.ofSeconds(5)).until(() -> recorder.finished("callable").size() == 1);
		assertThat(recorder.finishedIn("callable", Task.State.CANCELLED)).isEqualTo(1);
		assertThat(recorder.group("callable").parent()).hasValueSatisfying(
				(parent) -> assertThat(parent.groupName()).isEqualTo("GET /callable"));
		assertThat(recorder.cause("callable")).isInstanceOfSatisfying(RequestEndedException.class,
				(ended) -> assertThat(ended.reason()).isEqualTo(Reason.COMPLETED));
	}

	@Test
	void S24_asyncTimeout_cancelsWithATimeoutException() throws Exception {
		HttpResponse<String> response = WebTestSupport.get(server.port(), "/async-timeout");
		assertThat(response.statusCode()).isEqualTo(503); // Spring MVC's answer to an async timeout
		await().atMost(Duration.ofSeconds(5)).until(() -> recorder.finished("async-timeout").size() == 1);
		assertThat(recorder.finishedIn("async-timeout", Task.State.CANCELLED)).isEqualTo(1);
		assertThat(recorder.cause("async-timeout")).isInstanceOf(TimeoutException.class)
			.hasMessageContaining("GET /async-timeout");
	}

	@Test
	void S24_requestDeadline_cancelsWithATimeoutException_andAnswers503ByDefault() throws Exception {
		long start = System.nanoTime();
		HttpResponse<String> response = WebTestSupport.get(server.port(), "/deadline", "Request-Timeout", "400");
		long took = (System.nanoTime() - start) / 1_000_000;
		measured.debug("S24 deadline of 400 ms: answered {} after {} ms", response.statusCode(), took);
		assertThat(response.statusCode()).isEqualTo(503);
		assertThat(took).isBetween(300L, 4000L);
		assertThat(recorder.cause("deadline")).isInstanceOf(TimeoutException.class).hasMessageContaining("GET /deadline");
		assertThat(recorder.finishedIn("deadline", Task.State.CANCELLED)).isEqualTo(1);
	}

	@Test
	void S24_requestDeadline_answers504WhenTheApplicationsErrorHandlingSaysSo() throws Exception {
		HttpResponse<String> response = WebTestSupport.get(server.port(), "/deadline-504", "Request-Timeout", "400");
		assertThat(response.statusCode()).isEqualTo(504);
		assertThat(response.body()).startsWith("deadline:");
		assertThat(recorder.cause("deadline-504")).isInstanceOf(TimeoutException.class);
	}

	@Test
	void S25_inboundHeader_isCappedByTheRequestTimeout_evenWhenAbsurd() throws Exception {
		for (String absurd : new String[] { "60000", "99999999999999", "1" + "0".repeat(40) }) {
			HttpResponse<String> response = WebTestSupport.get(server.port(), "/context", "Request-Timeout", absurd);
			assertThat(response.statusCode()).as("header %s", absurd).isEqualTo(200);
			assertThat(Long.parseLong(response.body().split("\\|")[1])).as("header %s", absurd).isBetween(3000L, 5000L);
		}
		HttpResponse<String> shorter = WebTestSupport.get(server.port(), "/context", "Request-Timeout", "1500");
		assertThat(Long.parseLong(shorter.body().split("\\|")[1])).isBetween(1L, 1500L);
	}

	@Test
	void S25_malformedOrNegativeHeader_isIgnored_neverAnErrorPage() throws Exception {
		for (String bad : new String[] { "abc", "-5", "1.5", "10s", "", " ", "+7", "0x10", "5,6" }) {
			HttpResponse<String> response = WebTestSupport.get(server.port(), "/context", "Request-Timeout", bad);
			assertThat(response.statusCode()).as("header '%s'", bad).isEqualTo(200);
			assertThat(Long.parseLong(response.body().split("\\|")[1])).as("header '%s'", bad).isGreaterThan(3000L);
		}
	}

	/**
	 * The client hangs up while the handler still works, and Tomcat does not tell (nor could the
	 * handler's thread be told): the request's groups end when the handler returns, as for any
	 * synchronous request, not when the task would.
	 */
	@Test
	void S24_syncRequest_whoseClientLeft_cancelsItsGroupsWhenTheHandlerReturns() throws Exception {
		try (Socket socket = WebTestSupport.openGet(server.port(), "/client-left")) {
			assertThat(socket.isConnected()).isTrue();
			await().atMost(Duration.ofSeconds(5)).until(() -> recorder.started("client-left") == 1);
		} // the client hangs up while the handler waits
		long leftAt = System.nanoTime();
		clientLeft.countDown();
		await().atMost(Duration.ofSeconds(5))
			.until(() -> recorder.finished("client-left").size() == 1 && recorder.cause("client-left") != null);
		measured.debug("S24 Tomcat, sync handler that returns once the client left: its task was cancelled {} ms "
				+ "after the hang-up; cause: {}", millisSince(leftAt), String.valueOf(recorder.cause("client-left")));
		assertThat(recorder.finishedIn("client-left", Task.State.CANCELLED)).isEqualTo(1);
		assertThat(recorder.cause("client-left")).isInstanceOf(RequestEndedException.class)
			.hasMessageContaining("GET /client-left");
	}

	/**
	 * The client hangs up while a {@code DeferredResult} is pending, and Tomcat reports nothing (no
	 * {@code AsyncListener.onError}): the request's deadline ends its groups, long before the task's
	 * own 12 s or the async timeout would. Were the disconnect ever reported first, that would do too.
	 */
	@Test
	void S24_asyncRequest_whoseClientLeft_isCancelledByItsDeadlineAtTheLatest() throws Exception {
		try (Socket socket = WebTestSupport.openGet(server.port(), "/deferred-forever", "Request-Timeout", "1000")) {
			assertThat(socket.isConnected()).isTrue();
			await().atMost(Duration.ofSeconds(5)).until(() -> recorder.started("deferred-forever") == 1);
		} // the client hangs up while the DeferredResult is pending
		long leftAt = System.nanoTime();
		await().atMost(Duration.ofSeconds(8)).until(() -> recorder.finished("deferred-forever").size() == 1
				&& recorder.cause("deferred-forever") != null);
		measured.debug("S24 Tomcat, async request with a 1000 ms deadline: its task was cancelled {} ms after the "
				+ "client hung up; cause: {}", millisSince(leftAt),
				String.valueOf(recorder.cause("deferred-forever")));
		assertThat(recorder.finishedIn("deferred-forever", Task.State.CANCELLED)).isEqualTo(1);
		assertThat(recorder.cause("deferred-forever")).satisfiesAnyOf(
				(cause) -> assertThat(cause).isInstanceOf(TimeoutException.class),
				(cause) -> assertThat(cause).isInstanceOfSatisfying(RequestEndedException.class,
						(ended) -> assertThat(ended.reason()).isEqualTo(Reason.CLIENT_DISCONNECTED)));
	}

	/**
	 * Over HTTP/2 a client that gives up resets its stream ({@code RST_STREAM}, which the JDK client
	 * sends when its future is cancelled), and Tomcat reports it to an async request's
	 * {@code AsyncListener.onError}: the request's groups are cancelled at once, the cause naming the
	 * reset. (A blocked synchronous handler is not told; docs/web-cancellation.md.)
	 */
	@Test
	void S24_asyncRequest_whoseClientResetsTheHttp2Stream_isCancelledAtOnce_namingTheReset() throws Exception {
		HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
		String base = "http://127.0.0.1:" + http2.port();
		// h2c: the first request upgrades the connection; the next ones are streams of it.
		HttpResponse<String> upgrade = client.send(HttpRequest.newBuilder(URI.create(base + "/context")).build(),
				HttpResponse.BodyHandlers.ofString());
		assertThat(upgrade.version()).isEqualTo(HttpClient.Version.HTTP_2);
		CompletableFuture<HttpResponse<String>> call = client.sendAsync(
				HttpRequest.newBuilder(URI.create(base + "/deferred-forever")).build(),
				HttpResponse.BodyHandlers.ofString());
		await().atMost(Duration.ofSeconds(10)).until(() -> recorder.started("deferred-forever") == 1);
		long resetAt = System.nanoTime();
		call.cancel(true); // the JDK client resets the stream, and keeps the connection
		await().atMost(Duration.ofSeconds(10)).until(() -> recorder.finished("deferred-forever").size() == 1);
		measured.debug("S24 Tomcat over h2c: the task was cancelled {} ms after the client reset the stream; cause: {}",
				millisSince(resetAt), String.valueOf(recorder.cause("deferred-forever")));
		assertThat(recorder.finishedIn("deferred-forever", Task.State.CANCELLED)).isEqualTo(1);
		assertThat(recorder.cause("deferred-forever")).isInstanceOfSatisfying(RequestEndedException.class,
				(ended) -> assertThat(ended.reason()).isEqualTo(Reason.STREAM_RESET))
			.hasMessageContaining("GET /deferred-forever")
			.hasMessageContaining("HTTP/2 stream was reset");
	}

	private static long millisSince(long nanos) {
		return (System.nanoTime() - nanos) / 1_000_000;
	}

	@Configuration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	static class App {

		@Bean
		Recorder recorder() {
			return recorder;
		}

		@Bean
		Endpoints endpoints(ErrGroupFactory groups) {
			return new Endpoints(groups);
		}

		@Bean
		DeadlineTo504 deadlineTo504() {
			return new DeadlineTo504();
		}

	}

	@RestController
	static class Endpoints {

		private final ErrGroupFactory groups;

		Endpoints(ErrGroupFactory groups) {
			this.groups = groups;
		}

		private static void blockUntilInterrupted() throws InterruptedException {
			Thread.sleep(30_000);
		}

		@GetMapping("/context")
		String context() {
			return WebTestSupport.nameAndMillisLeft(GroupContext.current().orElseThrow());
		}

		/** Starts tasks and returns without awaiting: the request's end must stop them. */
		@GetMapping("/sync-leak")
		String syncLeak() {
			ErrGroup group = this.groups.newGroup("sync-leak");
			group.go(Endpoints::blockUntilInterrupted);
			group.go(Endpoints::blockUntilInterrupted);
			await().atMost(Duration.ofSeconds(5)).until(() -> recorder.started("sync-leak") == 2);
			return "ok";
		}

		@GetMapping("/sync-fail")
		String syncFail() {
			ErrGroup group = this.groups.newGroup("sync-fail");
			group.go(Endpoints::blockUntilInterrupted);
			await().atMost(Duration.ofSeconds(5)).until(() -> recorder.started("sync-fail") == 1);
			throw new IllegalStateException("the handler failed");
		}

		@GetMapping("/deferred")
		DeferredResult<String> deferred() {
			DeferredResult<String> result = new DeferredResult<>();
			ErrGroup group = this.groups.newGroup("deferred");
			group.go(Endpoints::blockUntilInterrupted);
			group.go(() -> {
				await().atMost(Duration.ofSeconds(5)).until(() -> recorder.started("deferred") == 2);
				result.setResult("fast");
			});
			group.awaitAsync();
			return result;
		}

		/** A result that comes late, or fails with the group (then the request ends at once). */
		@GetMapping("/deferred-forever")
		DeferredResult<String> deferredForever() {
			DeferredResult<String> result = new DeferredResult<>(15_000L);
			ErrGroup group = this.groups.newGroup("deferred-forever");
			group.go(() -> {
				Thread.sleep(12_000);
				result.setResult("late");
			});
			group.awaitAsync().exceptionally((failure) -> {
				result.setErrorResult(failure);
				return null;
			});
			return result;
		}

		@GetMapping("/future")
		CompletableFuture<String> future() {
			CompletableFuture<String> result = new CompletableFuture<>();
			ErrGroup group = this.groups.newGroup("future");
			group.go(Endpoints::blockUntilInterrupted);
			group.go(() -> {
				await().atMost(Duration.ofSeconds(5)).until(() -> recorder.started("future") == 2);
				result.complete("fast");
			});
			group.awaitAsync();
			return result;
		}

		@GetMapping("/callable")
		Callable<String> callable() {
			return () -> {
				ErrGroup group = this.groups.newGroup("callable");
				group.go(Endpoints::blockUntilInterrupted);
				await().atMost(Duration.ofSeconds(5)).until(() -> recorder.started("callable") == 1);
				return GroupContext.current().map(GroupContext::groupName).orElse("none");
			};
		}

		@GetMapping("/async-timeout")
		DeferredResult<String> asyncTimeout() {
			DeferredResult<String> result = new DeferredResult<>(300L);
			ErrGroup group = this.groups.newGroup("async-timeout");
			group.go(Endpoints::blockUntilInterrupted);
			group.awaitAsync();
			return result;
		}

		@GetMapping("/deadline")
		String deadline() {
			try (ErrGroup group = this.groups.newGroup("deadline")) {
				group.go(Endpoints::blockUntilInterrupted);
				group.await();
			}
			return "never";
		}

		@GetMapping("/deadline-504")
		String deadline504() {
			try (ErrGroup group = this.groups.newGroup("deadline-504")) {
				group.go(Endpoints::blockUntilInterrupted);
				group.await();
			}
			return "never";
		}

		/** Starts a task and returns, without awaiting it, once the test's client has hung up. */
		@GetMapping("/client-left")
		String clientLeft() throws InterruptedException {
			ErrGroup group = this.groups.newGroup("client-left");
			group.go(Endpoints::blockUntilInterrupted);
			clientLeft.await(10, TimeUnit.SECONDS);
			return "nobody reads this";
		}

	}

	/** The application's own error handling: this one maps a deadline to 504 for one endpoint. */
	@RestControllerAdvice
	static class DeadlineTo504 {

		@ExceptionHandler(ErrGroupException.class)
		ResponseEntity<String> deadline(ErrGroupException ex) throws ErrGroupException {
			if (!ex.groupName().equals("deadline-504")) {
				throw ex; // not ours: let the default answer
			}
			return ResponseEntity.status(HttpStatus.GATEWAY_TIMEOUT).body("deadline: " + ex.getCause().getMessage());
		}

	}

}
