package io.github.errgroup.spring.autoconfigure.web.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import io.github.errgroup.ErrGroup;
import io.github.errgroup.ErrGroupFactory;
import io.github.errgroup.Task;
import io.github.errgroup.spring.autoconfigure.web.WebTestSupport;
import io.github.errgroup.spring.autoconfigure.web.WebTestSupport.Recorder;
import io.github.errgroup.spring.autoconfigure.web.WebTestSupport.Server;
import io.github.errgroup.spring.web.RequestEndedException;
import io.github.errgroup.spring.web.RequestEndedException.Reason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.request.async.DeferredResult;

/**
 * S24 over HTTP/2 (h2c) on a real Tomcat, with the JDK's HTTP/2 client: a client that cancels its
 * call resets the stream ({@code RST_STREAM}), Tomcat reports it to an async request's
 * {@code AsyncListener.onError}, and the request's groups are cancelled at once, the cause naming the
 * reset. (A synchronous handler is not told, docs/web-cancellation.md.)
 */
@Timeout(60)
class S24_Http2StreamResetTests {

	private static final Logger measured = WebTestSupport.measurements(S24_Http2StreamResetTests.class);

	static final Recorder recorder = new Recorder();

	@RegisterExtension
	static final Server server = new Server(App.class, WebApplicationType.SERVLET, "server.http2.enabled=true",
			"errgroup.web.request-timeout=30s", "spring.mvc.async.request-timeout=30s");

	@Test
	void S24_asyncRequest_whoseClientResetsTheHttp2Stream_isCancelledAtOnce_namingTheReset() throws Exception {
		HttpClient http2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
		String base = "http://127.0.0.1:" + server.port();
		// h2c: the first request upgrades the connection; the next ones are streams of it.
		HttpResponse<String> upgrade = http2.send(HttpRequest.newBuilder(URI.create(base + "/ping")).build(),
				HttpResponse.BodyHandlers.ofString());
		assertThat(upgrade.version()).isEqualTo(HttpClient.Version.HTTP_2);
		CompletableFuture<HttpResponse<String>> call = http2.sendAsync(
				HttpRequest.newBuilder(URI.create(base + "/deferred-forever")).build(),
				HttpResponse.BodyHandlers.ofString());
		await().atMost(Duration.ofSeconds(10)).until(() -> recorder.started("deferred-forever") == 1);
		long resetAt = System.nanoTime();
		call.cancel(true); // the JDK client resets the stream, and keeps the connection
		await().atMost(Duration.ofSeconds(10)).until(() -> recorder.finished("deferred-forever").size() == 1);
		long took = (System.nanoTime() - resetAt) / 1_000_000;
		measured.debug("S24 Tomcat over h2c: the task was cancelled {} ms after the client reset the stream; cause: {}",
				took, String.valueOf(recorder.cause("deferred-forever")));
		assertThat(recorder.finishedIn("deferred-forever", Task.State.CANCELLED)).isEqualTo(1);
		assertThat(recorder.cause("deferred-forever")).isInstanceOfSatisfying(RequestEndedException.class,
				(ended) -> assertThat(ended.reason()).isEqualTo(Reason.STREAM_RESET))
			.hasMessageContaining("GET /deferred-forever")
			.hasMessageContaining("HTTP/2 stream was reset");
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

	}

	@RestController
	static class Endpoints {

		private final ErrGroupFactory groups;

		Endpoints(ErrGroupFactory groups) {
			this.groups = groups;
		}

		@GetMapping("/ping")
		String ping() {
			return "pong";
		}

		/** A result that would come after 20 s, unless the group is cancelled first. */
		@GetMapping("/deferred-forever")
		DeferredResult<String> deferredForever() {
			DeferredResult<String> result = new DeferredResult<>();
			ErrGroup group = this.groups.newGroup("deferred-forever");
			group.go(() -> {
				Thread.sleep(20_000);
				result.setResult("late");
			});
			group.awaitAsync().exceptionally((failure) -> {
				result.setErrorResult(failure);
				return null;
			});
			return result;
		}

	}

}
