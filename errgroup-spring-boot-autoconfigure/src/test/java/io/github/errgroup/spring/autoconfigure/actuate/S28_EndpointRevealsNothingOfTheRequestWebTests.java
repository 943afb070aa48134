package io.github.errgroup.spring.autoconfigure.actuate;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.github.errgroup.ErrGroup;
import io.github.errgroup.ErrGroupFactory;
import io.github.errgroup.spring.web.RequestEndedException;
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
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * S28, the security side, with the real request filter (S24) naming the request's scope: whatever a
 * request carries besides its method and path (an {@code Authorization} header, a cookie, other
 * headers, a query string, a session id in a path parameter, a body) appears nowhere in
 * {@code /actuator/errgroups}, while the request's groups are open and blocked, nor once the request
 * failed and its groups are cancelled with the request's failure as the cause.
 */
@SpringBootTest(classes = S28_EndpointRevealsNothingOfTheRequestWebTests.Application.class,
		webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = "management.endpoints.web.exposure.include=errgroups")
@Timeout(60)
class S28_EndpointRevealsNothingOfTheRequestWebTests {

	/** The endpoint's answers, at DEBUG: {@code -Dlogging.level.io.github.errgroup.spring=DEBUG} shows them. */
	private static final Log logger = LogFactory.getLog(S28_EndpointRevealsNothingOfTheRequestWebTests.class);

	/** Each secret is in one place of the request only, so that a leak says where it came from. */
	private static final List<String> SECRETS = List.of("AUTHORIZATION-SECRET", "COOKIE-SECRET", "HEADER-SECRET",
			"QUERY-SECRET", "SESSION-SECRET", "BODY-SECRET", "MATRIX-SECRET");

	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	private final JsonMapper json = JsonMapper.builder().build();

	@LocalServerPort
	private int port;

	@Test
	void S28_aBlockedRequestsGroupsShowItsMethodAndPath_andNoHeaderCookieQueryPathParameterOrBody()
			throws Exception {
		CompletableFuture<HttpResponse<String>> order = this.http.sendAsync(
				secretRequest("/api/orders/7;jsessionid=SESSION-SECRET;note=MATRIX-SECRET?token=QUERY-SECRET"),
				HttpResponse.BodyHandlers.ofString());
		try {
			assertThat(Orders.running.await(30, TimeUnit.SECONDS)).isTrue();
			String body = errGroups();
			logger.debug("S28 while blocked: " + body);
			JsonNode orderGroup = group(body, "order");
			assertThat(orderGroup.get("request").asString()).isEqualTo("POST /api/orders/7");
			assertThat(orderGroup.get("groups").get(0).get("name").asString()).isEqualTo("payment");
			assertRevealsNoSecret(body);
		}
		finally {
			Orders.release.countDown();
		}
		assertThat(order.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
	}

	@Test
	void S28_aFailedRequestsCancelledGroups_showTheCauseWithoutWhatTheFailureQuotedFromTheRequest()
			throws Exception {
		CompletableFuture<HttpResponse<String>> refund = this.http.sendAsync(secretRequest("/api/refunds/9"),
				HttpResponse.BodyHandlers.ofString());
		try {
			assertThat(Refunds.running.await(30, TimeUnit.SECONDS)).isTrue();
			// The handler has failed; its group stays open, cancelled, until the stubborn task ends.
			await().atMost(Duration.ofSeconds(30))
				.until(() -> group(errGroups(), "refund").get("state").asString(), "CANCELLED"::equals);
			String body = errGroups();
			logger.debug("S28 after the request failed: " + body);
			JsonNode refundGroup = group(body, "refund");
			assertThat(refundGroup.get("request").asString()).isEqualTo("POST /api/refunds/9");
			assertThat(refundGroup.get("cancelCause").asString()).contains("RequestEndedException")
				.contains("POST /api/refunds/9")
				.contains("failed")
				.contains("IllegalArgumentException");
			assertRevealsNoSecret(body);
		}
		finally {
			Refunds.release.countDown();
		}
		assertThat(refund.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(500);
	}

	private JsonNode group(String errGroups, String name) {
		for (JsonNode group : this.json.readTree(errGroups).get("groups")) {
			if (group.get("name").asString().equals(name)) {
				return group;
			}
		}
		throw new AssertionError("no open group '" + name + "' in " + errGroups);
	}

	private static void assertRevealsNoSecret(String body) {
		for (String secret : SECRETS) {
			assertThat(body).as("/actuator/errgroups reveals %s", secret).doesNotContainIgnoringCase(secret);
		}
		assertThat(body).doesNotContainIgnoringCase("jsessionid").doesNotContain("token=").doesNotContain("Bearer");
	}

	private HttpRequest secretRequest(String pathAndQuery) {
		return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + pathAndQuery))
			.timeout(Duration.ofSeconds(30))
			.header("Authorization", "Bearer AUTHORIZATION-SECRET")
			.header("Cookie", "JSESSIONID=COOKIE-SECRET; remember-me=COOKIE-SECRET")
			.header("X-Api-Key", "HEADER-SECRET")
			.header("Content-Type", "application/json")
			.POST(HttpRequest.BodyPublishers.ofString("{\"card\":\"BODY-SECRET\"}"))
			.build();
	}

	private String errGroups() throws Exception {
		return this.http
			.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + "/actuator/errgroups"))
				.timeout(Duration.ofSeconds(30))
				.build(), HttpResponse.BodyHandlers.ofString())
			.body();
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	@Import({ Orders.class, Refunds.class })
	static class Application {

	}

	@RestController
	static class Orders {

		static final CountDownLatch running = new CountDownLatch(2);

		static final CountDownLatch release = new CountDownLatch(1);

		private final ErrGroupFactory groups;

		Orders(ErrGroupFactory groups) {
			this.groups = groups;
		}

		@PostMapping("/api/orders/{id}")
		String order(@PathVariable int id, @RequestBody String body) {
			try (ErrGroup order = this.groups.newGroup("order")) {
				order.go(() -> {
					running.countDown();
					release.await();
				});
				order.go(() -> {
					try (ErrGroup payment = this.groups.newGroup("payment")) {
						payment.go(() -> {
							running.countDown();
							release.await();
						});
						payment.await();
					}
				});
				order.await();
			}
			return "order " + id;
		}

	}

	@RestController
	static class Refunds {

		static final CountDownLatch running = new CountDownLatch(1);

		static final CountDownLatch release = new CountDownLatch(1);

		private final ErrGroupFactory groups;

		Refunds(ErrGroupFactory groups) {
			this.groups = groups;
		}

		/**
		 * Starts a task that ignores interrupts and is awaited asynchronously, then fails quoting the
		 * body, as a parser's message quotes the token it could not read: the group outlives the
		 * request, cancelled.
		 */
		@PostMapping("/api/refunds/{id}")
		String refund(@PathVariable int id, @RequestBody String body) throws InterruptedException {
			ErrGroup refund = this.groups.newGroup("refund");
			refund.go(() -> {
				running.countDown();
				while (true) {
					try {
						release.await();
						return;
					}
					catch (InterruptedException ex) {
						// ignored: the group stays open, cancelled, while this task runs on
					}
				}
			});
			refund.awaitAsync();
			running.await();
			throw new IllegalArgumentException("cannot refund " + body);
		}

	}

}
