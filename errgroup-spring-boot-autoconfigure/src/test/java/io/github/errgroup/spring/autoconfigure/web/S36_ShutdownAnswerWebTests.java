package io.github.errgroup.spring.autoconfigure.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.github.errgroup.ErrGroup;
import io.github.errgroup.ErrGroupException;
import io.github.errgroup.ErrGroupFactory;
import io.github.errgroup.spring.web.reactive.ReactiveErrGroups;
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServletRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Mono;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * S36 in one JVM, on the mechanism: a request blocked in a group when the context closes (the
 * shutdown cancels its group) gets Spring Boot's error body with 503 and {@code Connection: close},
 * and on Tomcat the client has the answer's status and headers before the request leaves the servlet
 * chain, while Boot's graceful shutdown still counts it (a filter outside the {@code DispatcherServlet}
 * holds the request until the client has them, or 10 s): it is not left to the container's error page
 * after the servlet. The application's own {@code @ExceptionHandler}
 * still wins. The race itself needs a
 * fresh JVM: {@code S36_FreshJvmShutdownTests}.
 */
@Timeout(120)
class S36_ShutdownAnswerWebTests {

	private static final HttpClient HTTP = HttpClient.newBuilder()
		.version(HttpClient.Version.HTTP_1_1)
		.connectTimeout(Duration.ofSeconds(10))
		.build();

	@Test
	void S36_mvc_withoutExceptionHandling_answers503WrittenBeforeTheRequestLeavesTheServlet() throws Exception {
		ConfigurableApplicationContext app = WebTestSupport.start(MvcApp.class, WebApplicationType.SERVLET);
		MvcApp mvc = app.getBean(MvcApp.class);
		HttpResponse<String> answer = closeWhileBlocked(app, "/blocked", mvc.clientGot);
		assertThat(answer.statusCode()).isEqualTo(503);
		assertThat(answer.headers().firstValue("Connection")).hasValue("close");
		assertThat(answer.body()).contains("\"status\":503", "\"error\":\"Service Unavailable\"", "\"path\":\"/blocked\"");
		assertThat(mvc.answeredBeforeTheChainReturned.get(30, TimeUnit.SECONDS))
			.as("the client had the answer's status before the request left the servlet chain")
			.isTrue();
	}

	@Test
	void S36_mvc_theApplicationsOwnExceptionHandlerStillWins() throws Exception {
		ConfigurableApplicationContext app = WebTestSupport.start(MvcApp.class, WebApplicationType.SERVLET);
		HttpResponse<String> answer = closeWhileBlocked(app, "/handled", new CompletableFuture<>());
		assertThat(answer.statusCode()).isEqualTo(502);
		assertThat(answer.body()).isEqualTo("the application's own answer");
	}

	@Test
	void S36_webflux_withoutExceptionHandling_answers503() throws Exception {
		ConfigurableApplicationContext app = WebTestSupport.start(FluxApp.class, WebApplicationType.REACTIVE);
		HttpResponse<String> answer = closeWhileBlocked(app, "/blocked", new CompletableFuture<>());
		assertThat(answer.statusCode()).isEqualTo(503);
		assertThat(answer.headers().firstValue("Connection")).hasValue("close");
		assertThat(answer.body()).contains("\"status\":503", "\"error\":\"Service Unavailable\"", "\"path\":\"/blocked\"");
	}

	private static HttpResponse<String> closeWhileBlocked(ConfigurableApplicationContext app, String path,
			CompletableFuture<Integer> clientGot) throws Exception {
		Inside inside = app.getBean(Inside.class);
		try {
			CompletableFuture<HttpResponse<String>> answer = HTTP.sendAsync(
					HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + WebTestSupport.port(app) + path))
						.timeout(Duration.ofSeconds(60))
						.build(),
					(headers) -> {
						clientGot.complete(headers.statusCode());
						return HttpResponse.BodyHandlers.ofString().apply(headers);
					});
			assertThat(inside.latch.await(30, TimeUnit.SECONDS)).as("the request is blocked in its group").isTrue();
			new Thread(app::close, "closer").start(); // as the shutdown hook does on SIGTERM
			return answer.get(60, TimeUnit.SECONDS);
		}
		finally {
			app.close(); // when the test failed first; waits for the closer's close otherwise
		}
	}

	/** Blocks a task until its group is cancelled, once the test may close the context. */
	static final class Inside {

		final CountDownLatch latch = new CountDownLatch(1);

		Object block() throws InterruptedException {
			this.latch.countDown();
			new CountDownLatch(1).await();
			return "never";
		}

	}

	@Configuration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	static class MvcApp {

		/** The status the client received, as soon as it did. */
		final CompletableFuture<Integer> clientGot = new CompletableFuture<>();

		final CompletableFuture<Boolean> answeredBeforeTheChainReturned = new CompletableFuture<>();

		@Bean
		Inside inside() {
			return new Inside();
		}

		@Bean
		MvcEndpoints mvcEndpoints(ErrGroupFactory groups, Inside inside) {
			return new MvcEndpoints(groups, inside);
		}

		/** Outside the DispatcherServlet: an answer the client sees before the chain returns was written while counted. */
		@Bean
		FilterRegistrationBean<Filter> holdingFilter() {
			return new FilterRegistrationBean<>((request, response, chain) -> {
				chain.doFilter(request, response);
				if ("/blocked".equals(((HttpServletRequest) request).getRequestURI())) {
					try {
						this.answeredBeforeTheChainReturned.complete(this.clientGot.get(10, TimeUnit.SECONDS) != null);
					}
					catch (TimeoutException | ExecutionException ex) {
						this.answeredBeforeTheChainReturned.complete(false);
					}
					catch (InterruptedException ex) {
						Thread.currentThread().interrupt();
						this.answeredBeforeTheChainReturned.complete(false);
					}
				}
			});
		}

	}

	@RestController
	static class MvcEndpoints {

		private final ErrGroupFactory groups;

		private final Inside inside;

		MvcEndpoints(ErrGroupFactory groups, Inside inside) {
			this.groups = groups;
			this.inside = inside;
		}

		@GetMapping({ "/blocked", "/handled" })
		String blocked() throws InterruptedException {
			try (ErrGroup group = this.groups.newGroup("blocked")) {
				group.go(this.inside::block);
				group.await();
			}
			return "done";
		}

		@ExceptionHandler
		ResponseEntity<String> handled(ErrGroupException ex, HttpServletRequest request) throws IOException {
			if (!request.getRequestURI().equals("/handled")) {
				throw ex; // /blocked: as an application without exception handling
			}
			return ResponseEntity.status(HttpStatus.BAD_GATEWAY).body("the application's own answer");
		}

	}

	@Configuration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	static class FluxApp {

		@Bean
		Inside inside() {
			return new Inside();
		}

		@Bean
		FluxEndpoint fluxEndpoint(ReactiveErrGroups groups, Inside inside) {
			return new FluxEndpoint(groups, inside);
		}

	}

	@RestController
	static class FluxEndpoint {

		private final ReactiveErrGroups groups;

		private final Inside inside;

		FluxEndpoint(ReactiveErrGroups groups, Inside inside) {
			this.groups = groups;
			this.inside = inside;
		}

		@GetMapping("/blocked")
		Mono<String> blocked() {
			return this.groups.mono("blocked", (group) -> {
				group.go(this.inside::block);
				return () -> "done";
			});
		}

	}

}
