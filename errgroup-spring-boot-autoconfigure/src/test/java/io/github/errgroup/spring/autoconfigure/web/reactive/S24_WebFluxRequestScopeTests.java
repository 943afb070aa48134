package io.github.errgroup.spring.autoconfigure.web.reactive;

import java.net.Socket;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeoutException;

import io.github.errgroup.ErrGroup;
import io.github.errgroup.ErrGroupFactory;
import io.github.errgroup.Task;
import io.github.errgroup.spring.autoconfigure.web.WebTestSupport;
import io.github.errgroup.spring.autoconfigure.web.WebTestSupport.Recorder;
import io.github.errgroup.spring.autoconfigure.web.WebTestSupport.Server;
import io.github.errgroup.spring.web.RequestEndedException;
import io.github.errgroup.spring.web.RequestEndedException.Reason;
import io.github.errgroup.spring.web.reactive.ReactiveErrGroups;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import reactor.core.publisher.Mono;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * S24 on a real Reactor Netty server on a random port: a client that disconnects gets the request's
 * running tasks interrupted at once, and reactive handlers fan out without blocking.
 */
@Timeout(60)
class S24_WebFluxRequestScopeTests {

	private static final Logger measured = WebTestSupport.measurements(S24_WebFluxRequestScopeTests.class);

	static final Recorder recorder = new Recorder();

	@RegisterExtension
	static final Server server = new Server(App.class, WebApplicationType.REACTIVE, "errgroup.web.request-timeout=5s");

	@BeforeEach
	void clear() {
		recorder.clear();
	}

	@Test
	void S24_clientDisconnect_interruptsTheRequestsRunningTasksWithinASecond_countedCancelled() throws Exception {
		long leftAt;
		try (Socket socket = WebTestSupport.openGet(server.port(), "/slow")) {
			assertThat(socket.isConnected()).isTrue();
			await().atMost(Duration.ofSeconds(5)).until(() -> recorder.started("slow") == 2);
			leftAt = System.nanoTime();
		} // hang up mid-request
		await().atMost(Duration.ofSeconds(1)).until(() -> recorder.finished("slow").size() == 2);
		measured.debug("S24 WebFlux on Netty: the client's disconnect interrupted both tasks {} ms after it hung up",
				(System.nanoTime() - leftAt) / 1_000_000);
		assertThat(recorder.finishedIn("slow", Task.State.CANCELLED)).isEqualTo(2);
		assertThat(recorder.cause("slow")).isInstanceOfSatisfying(RequestEndedException.class,
				(ended) -> assertThat(ended.reason()).isEqualTo(Reason.CLIENT_DISCONNECTED));
		assertThat(recorder.cause("slow")).hasMessageContaining("GET /slow");
	}

	@Test
	void S24_reactiveHandler_fansOutAndAnswersWithoutBlocking() throws Exception {
		HttpResponse<String> response = WebTestSupport.get(server.port(), "/fan-out");
		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(response.body()).isEqualTo("a+b from GET /fan-out");
		assertThat(recorder.finishedIn("fan-out", Task.State.SUCCESS)).isEqualTo(2);
	}

	@Test
	void S24_blockingAwaitOnAnEventLoopThread_throwsAtOnce_pointingToAwaitAsync() throws Exception {
		HttpResponse<String> response = WebTestSupport.get(server.port(), "/blocking-await");
		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(response.body()).startsWith("refused:")
			.contains("awaitAsync()")
			.contains("reactor-http");
	}

	@Test
	void S24_requestDeadline_cancelsWithATimeoutException_andAnswers503ByDefault() throws Exception {
		long start = System.nanoTime();
		HttpResponse<String> response = WebTestSupport.get(server.port(), "/deadline", "Request-Timeout", "300");
		long took = (System.nanoTime() - start) / 1_000_000;
		measured.debug("S24 WebFlux deadline of 300 ms: answered {} after {} ms", response.statusCode(), took);
		assertThat(response.statusCode()).isEqualTo(503);
		assertThat(recorder.cause("deadline")).isInstanceOf(TimeoutException.class);
		assertThat(recorder.finishedIn("deadline", Task.State.CANCELLED)).isEqualTo(1);
	}

	@Test
	void S25_theExchangesContext_hasTheHeadersDeadline_cappedByTheRequestTimeout() throws Exception {
		assertThat(millisLeft(WebTestSupport.get(server.port(), "/context", "Request-Timeout", "800"))).isBetween(1L, 800L);
		assertThat(millisLeft(WebTestSupport.get(server.port(), "/context", "Request-Timeout", "9999999"))).isBetween(3000L,
				5000L);
		assertThat(millisLeft(WebTestSupport.get(server.port(), "/context", "Request-Timeout", "soon"))).isBetween(3000L,
				5000L);
	}

	private static long millisLeft(HttpResponse<String> response) {
		assertThat(response.statusCode()).isEqualTo(200);
		String[] nameAndLeft = response.body().split("\\|");
		assertThat(nameAndLeft[0]).isEqualTo("GET /context");
		return Long.parseLong(nameAndLeft[1]);
	}

	@Configuration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	static class App {

		@Bean
		Recorder recorder() {
			return recorder;
		}

		@Bean
		Endpoints endpoints(ReactiveErrGroups groups, ErrGroupFactory factory) {
			return new Endpoints(groups, factory);
		}

	}

	@RestController
	static class Endpoints {

		private final ReactiveErrGroups groups;

		private final ErrGroupFactory factory;

		Endpoints(ReactiveErrGroups groups, ErrGroupFactory factory) {
			this.groups = groups;
			this.factory = factory;
		}

		@GetMapping("/slow")
		Mono<String> slow() {
			return this.groups.mono("slow", (g) -> {
				g.go(() -> Thread.sleep(30_000));
				g.go(() -> Thread.sleep(30_000));
				return () -> "never";
			});
		}

		@GetMapping("/fan-out")
		Mono<String> fanOut() {
			return this.groups.mono("fan-out", (g) -> {
				Task<String> a = g.go(() -> "a");
				Task<String> b = g.go(() -> "b");
				return () -> a.resultNow() + "+" + b.resultNow() + " from "
						+ recorder.group("fan-out").parent().orElseThrow().groupName();
			});
		}

		@GetMapping("/blocking-await")
		String blockingAwait() {
			try (ErrGroup group = this.factory.newGroup("blocking-await")) {
				group.go(() -> "x");
				group.await();
				return "awaited on " + Thread.currentThread().getName();
			}
			catch (IllegalStateException ex) {
				return "refused: " + ex.getMessage();
			}
		}

		@GetMapping("/deadline")
		Mono<String> deadline() {
			return this.groups.mono("deadline", (g) -> {
				g.go(() -> Thread.sleep(30_000));
				return () -> "never";
			});
		}

		@GetMapping("/context")
		String context(ServerWebExchange exchange) {
			return WebTestSupport.nameAndMillisLeft(ReactiveErrGroups.requestContext(exchange).orElseThrow());
		}

	}

}
