package io.github.errgroup.spring.autoconfigure.actuate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.github.errgroup.CancellationScope;
import io.github.errgroup.ErrGroup;
import io.github.errgroup.ErrGroupFactory;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * S28 on a real server, exposed as a user exposes it: while a request's groups run,
 * {@code /actuator/errgroups} shows them as a tree under the request's method and path, and nothing of
 * the request's query string.
 */
@SpringBootTest(classes = S28_ErrGroupsEndpointWebTests.Application.class,
		webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = "management.endpoints.web.exposure.include=health,errgroups")
class S28_ErrGroupsEndpointWebTests {

	/** The endpoint's answers, at DEBUG: {@code -Dlogging.level.io.github.errgroup.spring=DEBUG} shows them. */
	private static final Log logger = LogFactory.getLog(S28_ErrGroupsEndpointWebTests.class);

	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	private final JsonMapper json = JsonMapper.builder().build();

	@LocalServerPort
	private int port;

	@Test
	@Timeout(60)
	void S28_S38_theRequestsGroupsAsATree_underItsMethodAndPath_withoutTheQueryString_withTheirNamedTasks() throws Exception {
		CompletableFuture<HttpResponse<String>> page = this.http
			.sendAsync(request("/api/products/42?token=s3cr3t&user=alice"), HttpResponse.BodyHandlers.ofString());
		try {
			assertThat(ProductController.nestedRunning.await(30, TimeUnit.SECONDS)).isTrue();
			// Polled until the details task is seen ended too: it ends on its own, soon, on a pool thread.
			await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
				String body = this.http.send(request("/actuator/errgroups"), HttpResponse.BodyHandlers.ofString())
					.body();
				JsonNode groups = this.json.readTree(body).get("groups");
				assertThat(groups.size()).isEqualTo(1);
				JsonNode product = groups.get(0);
				assertThat(product.get("name").asString()).isEqualTo("product");
				assertThat(product.get("request").asString()).isEqualTo("GET /api/products/42");
				assertThat(product.get("state").asString()).isEqualTo("OPEN");
				assertThat(product.get("limit").asInt()).isEqualTo(4);
				assertThat(product.get("tasks").get("SUCCESS").asInt()).isEqualTo(1);
				assertThat(product.get("tasks").get("RUNNING").asInt()).isEqualTo(1);
				// S38: the named task still running, by name; "details" has ended, and is only counted.
				assertThat(product.get("namedTasks").toString())
					.isEqualTo("[{\"name\":\"recommendations\",\"index\":1,\"state\":\"RUNNING\"}]");
				JsonNode recommendations = product.get("groups").get(0);
				assertThat(recommendations.get("name").asString()).isEqualTo("recommendations");
				assertThat(recommendations.has("request")).as("a nested group does not repeat the request").isFalse();
				assertThat(recommendations.get("tasks").get("RUNNING").asInt()).isEqualTo(1);
				assertThat(recommendations.get("namedTasks").toString())
					.isEqualTo("[{\"name\":\"similar\",\"index\":0,\"state\":\"RUNNING\"}]");
				assertThat(body).doesNotContain("s3cr3t").doesNotContain("alice").doesNotContain("token");
				logger.debug("S28 /actuator/errgroups: " + body);
			});
		}
		finally {
			ProductController.release.countDown();
		}
		assertThat(page.get(30, TimeUnit.SECONDS).body()).isEqualTo("product 42");
		await().atMost(Duration.ofSeconds(30))
			.untilAsserted(() -> assertThat(this.http.send(request("/actuator/errgroups"),
					HttpResponse.BodyHandlers.ofString()).body()).isEqualTo("{\"groups\":[]}"));
	}

	private HttpRequest request(String path) {
		return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + path))
			.timeout(Duration.ofSeconds(30))
			.build();
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	@Import(ProductController.class)
	static class Application {

		/**
		 * Stands for the web layer (S24), which gives each request a {@link CancellationScope}. It
		 * names the scope by method and path; this one adds the query string on purpose, to show that
		 * the endpoint leaves it out whoever named the scope.
		 */
		@Bean
		OncePerRequestFilter requestScope() {
			return new OncePerRequestFilter() {
				@Override
				protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response,
						FilterChain chain) throws ServletException, IOException {
					String query = request.getQueryString();
					CancellationScope scope = CancellationScope.open(request.getMethod() + " "
							+ request.getRequestURI() + ((query != null) ? "?" + query : ""));
					try (CancellationScope.Binding bound = scope.bind()) {
						chain.doFilter(request, response);
					}
					finally {
						scope.cancel(new CancellationException("request completed"));
					}
				}
			};
		}

	}

	@RestController
	static class ProductController {

		static final CountDownLatch nestedRunning = new CountDownLatch(1);

		static final CountDownLatch release = new CountDownLatch(1);

		private final ErrGroupFactory groups;

		ProductController(ErrGroupFactory groups) {
			this.groups = groups;
		}

		/** The details come back at once; the recommendations, from a nested group, when released. */
		@GetMapping("/api/products/{id}")
		String product(@PathVariable int id) {
			try (ErrGroup product = this.groups.group("product").limit(4).open()) {
				product.go("details", () -> "details");
				product.go("recommendations", () -> {
					try (ErrGroup recommendations = this.groups.newGroup("recommendations")) {
						recommendations.go("similar", () -> {
							nestedRunning.countDown();
							release.await();
						});
						recommendations.await();
					}
				});
				product.await();
			}
			return "product " + id;
		}

	}

}
