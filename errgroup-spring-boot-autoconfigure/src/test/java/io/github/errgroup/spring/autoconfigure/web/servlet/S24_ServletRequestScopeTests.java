package io.github.errgroup.spring.autoconfigure.web.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.Socket;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;

import io.github.errgroup.ErrGroup;
import io.github.errgroup.ErrGroupException;
import io.github.errgroup.ErrGroupFactory;
import io.github.errgroup.GroupContext;
import io.github.errgroup.Task;
import io.github.errgroup.spring.autoconfigure.web.WebTestSupport;
import io.github.errgroup.spring.autoconfigure.web.WebTestSupport.Recorder;
import io.github.errgroup.spring.web.RequestEndedException;
import io.github.errgroup.spring.web.RequestEndedException.Reason;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.async.DeferredResult;

/**
 * S24 on a real Tomcat on a random port, with a real HTTP client: each request's groups end with the
 * request, sync or async, and its deadline cancels them with a {@link TimeoutException}.
 */
@Timeout(60)
class S24_ServletRequestScopeTests {

	static final Recorder recorder = new Recorder();

	static ConfigurableApplicationContext app;

	static int port;

	@BeforeAll
	static void start() {
		app = WebTestSupport.start(App.class, WebApplicationType.SERVLET, "errgroup.web.request-timeout=5s",
				"spring.mvc.async.request-timeout=20s");
		port = WebTestSupport.port(app);
	}

	@AfterAll
	static void stop() {
		if (app != null) {
			app.close();
		}
	}

	@BeforeEach
	void clear() {
		recorder.clear();
	}

	@Test
	void S24_S17_theRequestThreadsContextIsTheRequests_namedByMethodAndPath_withTheConfiguredDeadline()
			throws Exception {
		HttpResponse<String> response = WebTestSupport.get(port, "/context?x=1");
		assertThat(response.statusCode()).isEqualTo(200);
		String[] nameAndLeft = response.body().split("\\|");
		assertThat(nameAndLeft[0]).isEqualTo("GET /context");
		assertThat(Long.parseLong(nameAndLeft[1])).isBetween(1L, 5000L).isGreaterThan(3000L);
	}

	@Test
	void S24_syncRequest_whenTheHandlerReturns_itsTasksAreInterruptedAndCancelled() throws Exception {
		long start = System.nanoTime();
		HttpResponse<String> response = WebTestSupport.get(port, "/sync-leak");
		long answered = System.nanoTime();
		assertThat(response.statusCode()).isEqualTo(200);
		await().atMost(Duration.ofSeconds(5)).until(() -> recorder.finished("sync-leak").size() == 2);
		System.out.printf("S24 sync: tasks ended %d ms after the answer (request took %d ms)%n",
				(System.nanoTime() - answered) / 1_000_000, (answered - start) / 1_000_000);
		assertThat(recorder.running("sync-leak")).isZero();
		assertThat(recorder.finishedIn("sync-leak", Task.State.CANCELLED)).isEqualTo(2);
		assertThat(recorder.cause("sync-leak")).isInstanceOfSatisfying(RequestEndedException.class,
				(ended) -> assertThat(ended.reason()).isEqualTo(Reason.COMPLETED));
		assertThat(recorder.cause("sync-leak")).hasMessageContaining("GET /sync-leak").hasMessageContaining("completed");
	}

	@Test
	void S24_syncRequest_thatFails_cancelsItsGroupsWithTheFailure() throws Exception {
		HttpResponse<String> response = WebTestSupport.get(port, "/sync-fail");
		assertThat(response.statusCode()).isEqualTo(500);
		await().atMost(Duration.ofSeconds(5)).until(() -> recorder.finished("sync-fail").size() == 1);
		assertThat(recorder.cause("sync-fail")).isInstanceOfSatisfying(RequestEndedException.class,
				(ended) -> assertThat(ended.reason()).isEqualTo(Reason.FAILED));
		assertThat(recorder.cause("sync-fail")).hasRootCauseMessage("the handler failed");
	}

	@Test
	void S24_deferredResult_whenTheRequestCompletes_theSlowSiblingIsInterrupted() throws Exception {
		long start = System.nanoTime();
		HttpResponse<String> response = WebTestSupport.get(port, "/deferred");
		long answered = System.nanoTime();
		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(response.body()).isEqualTo("fast");
		await().atMost(Duration.ofSeconds(5)).until(() -> recorder.finished("deferred").size() == 2);
		System.out.printf("S24 DeferredResult: slow task ended %d ms after the answer (request took %d ms)%n",
				(System.nanoTime() - answered) / 1_000_000, (answered - start) / 1_000_000);
		assertThat(recorder.running("deferred")).isZero();
		assertThat(recorder.finishedIn("deferred", Task.State.CANCELLED)).isEqualTo(1);
		assertThat(recorder.cause("deferred")).isInstanceOfSatisfying(RequestEndedException.class,
				(ended) -> assertThat(ended.reason()).isEqualTo(Reason.COMPLETED));
	}

	@Test
	void S24_completableFuture_whenTheRequestCompletes_theSlowSiblingIsInterrupted() throws Exception {
		HttpResponse<String> response = WebTestSupport.get(port, "/future");
		assertThat(response.body()).isEqualTo("fast");
		await().atMost(Duration.ofSeconds(5)).until(() -> recorder.finished("future").size() == 2);
		assertThat(recorder.running("future")).isZero();
		assertThat(recorder.finishedIn("future", Task.State.CANCELLED)).isEqualTo(1);
		assertThat(recorder.cause("future")).isInstanceOf(RequestEndedException.class);
	}

	@Test
	void S24_callable_runsWithTheRequestsScope_andItsTasksEndWithTheRequest() throws Exception {
		HttpResponse<String> response = WebTestSupport.get(port, "/callable");
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
		HttpResponse<String> response = WebTestSupport.get(port, "/async-timeout");
		assertThat(response.statusCode()).isEqualTo(503); // Spring MVC's answer to an async timeout
		await().atMost(Duration.ofSeconds(5)).until(() -> recorder.finished("async-timeout").size() == 1);
		assertThat(recorder.finishedIn("async-timeout", Task.State.CANCELLED)).isEqualTo(1);
		assertThat(recorder.cause("async-timeout")).isInstanceOf(TimeoutException.class)
			.hasMessageContaining("GET /async-timeout");
	}

	@Test
	void S24_requestDeadline_cancelsWithATimeoutException_andAnswers503ByDefault() throws Exception {
		long start = System.nanoTime();
		HttpResponse<String> response = WebTestSupport.get(port, "/deadline", "Request-Timeout", "400");
		long took = (System.nanoTime() - start) / 1_000_000;
		System.out.printf("S24 deadline of 400 ms: answered %d after %d ms%n", response.statusCode(), took);
		assertThat(response.statusCode()).isEqualTo(503);
		assertThat(took).isBetween(300L, 4000L);
		assertThat(recorder.cause("deadline")).isInstanceOf(TimeoutException.class).hasMessageContaining("GET /deadline");
		assertThat(recorder.finishedIn("deadline", Task.State.CANCELLED)).isEqualTo(1);
	}

	@Test
	void S24_requestDeadline_answers504WhenTheApplicationsErrorHandlingSaysSo() throws Exception {
		HttpResponse<String> response = WebTestSupport.get(port, "/deadline-504", "Request-Timeout", "400");
		assertThat(response.statusCode()).isEqualTo(504);
		assertThat(response.body()).startsWith("deadline:");
		assertThat(recorder.cause("deadline-504")).isInstanceOf(TimeoutException.class);
	}

	@Test
	void S25_inboundHeader_isCappedByTheRequestTimeout_evenWhenAbsurd() throws Exception {
		for (String absurd : new String[] { "60000", "99999999999999", "1" + "0".repeat(40) }) {
			HttpResponse<String> response = WebTestSupport.get(port, "/context", "Request-Timeout", absurd);
			assertThat(response.statusCode()).as("header %s", absurd).isEqualTo(200);
			assertThat(Long.parseLong(response.body().split("\\|")[1])).as("header %s", absurd).isBetween(3000L, 5000L);
		}
		HttpResponse<String> shorter = WebTestSupport.get(port, "/context", "Request-Timeout", "1500");
		assertThat(Long.parseLong(shorter.body().split("\\|")[1])).isBetween(1L, 1500L);
	}

	@Test
	void S25_malformedOrNegativeHeader_isIgnored_neverAnErrorPage() throws Exception {
		for (String bad : new String[] { "abc", "-5", "1.5", "10s", "", " ", "+7", "0x10", "5,6" }) {
			HttpResponse<String> response = WebTestSupport.get(port, "/context", "Request-Timeout", bad);
			assertThat(response.statusCode()).as("header '%s'", bad).isEqualTo(200);
			assertThat(Long.parseLong(response.body().split("\\|")[1])).as("header '%s'", bad).isGreaterThan(3000L);
		}
	}

	@Test
	void S24_tomcatDoesNotTellABlockedSyncHandlerThatTheClientLeft_theScopeEndsWhenTheHandlerReturns()
			throws Exception {
		long start = System.nanoTime();
		try (Socket socket = WebTestSupport.openGet(port, "/blocked")) {
			assertThat(socket.isConnected()).isTrue();
			await().atMost(Duration.ofSeconds(5)).until(() -> recorder.started("blocked") == 1);
		} // the client hangs up while the handler's task blocks
		long leftAt = System.nanoTime();
		// The group is cancelled (S5) when its await returns, after its task has finished: wait for both.
		await().atMost(Duration.ofSeconds(10))
			.until(() -> recorder.finished("blocked").size() == 1 && recorder.cause("blocked") != null);
		long ended = System.nanoTime();
		System.out.printf("S24 Tomcat, sync handler blocked 1500 ms: client left at %d ms, group cancelled at %d ms, "
				+ "cause: %s%n", (leftAt - start) / 1_000_000, (ended - start) / 1_000_000, recorder.cause("blocked"));
		// Measured, not wished: Tomcat reports nothing while the handler thread blocks, so the
		// group runs until the handler's own work ends (here a task of 1500 ms).
		assertThat(recorder.finishedIn("blocked", Task.State.SUCCESS)).isEqualTo(1);
		assertThat(recorder.cause("blocked")).isNotInstanceOf(TimeoutException.class);
	}

	@Test
	void S24_tomcatDoesNotReportADisconnectDuringAnAsyncRequestEither() throws Exception {
		long start = System.nanoTime();
		try (Socket socket = WebTestSupport.openGet(port, "/deferred-forever")) {
			assertThat(socket.isConnected()).isTrue();
			await().atMost(Duration.ofSeconds(5)).until(() -> recorder.started("deferred-forever") == 1);
		} // the client hangs up while the DeferredResult is pending
		long leftAt = System.nanoTime();
		// Measured, not wished: no AsyncListener.onError within 2 s (a GET has no body being read, so
		// Tomcat does not watch the socket); the group is cancelled only by the deadline or the result.
		await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(3))
			.until(() -> recorder.finished("deferred-forever").isEmpty());
		System.out.printf("S24 Tomcat, async request: client left at %d ms; still not told %d ms later%n",
				(leftAt - start) / 1_000_000, (System.nanoTime() - leftAt) / 1_000_000);
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
			GroupContext context = GroupContext.current().orElseThrow();
			return context.groupName() + "|"
					+ context.deadline().map((d) -> Duration.between(java.time.Instant.now(), d).toMillis()).orElse(-1L);
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

		@GetMapping("/deferred-forever")
		DeferredResult<String> deferredForever() {
			DeferredResult<String> result = new DeferredResult<>(15_000L);
			ErrGroup group = this.groups.newGroup("deferred-forever");
			group.go(() -> {
				Thread.sleep(12_000);
				result.setResult("late");
			});
			group.awaitAsync();
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

		@GetMapping("/blocked")
		String blocked(@RequestParam(defaultValue = "1500") long millis) {
			try (ErrGroup group = this.groups.newGroup("blocked")) {
				group.go(() -> Thread.sleep(millis));
				group.await();
			}
			return "done";
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
