package io.github.errgroup.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.json.JsonMapper;

/**
 * The product page's gRPC downstream (ratings, on Spring gRPC's server): HTTP in, gRPC out, over real
 * sockets. The ratings service counts a lookup interrupted by its caller's cancel or deadline as
 * "abandoned" in {@code /downstream/stats}: the server-side proof that S34 (the client's side) and S33
 * (the server's) hold across the hop.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class RatingsOverGrpcTest {

	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	private final JsonMapper json = JsonMapper.builder().build();

	@LocalServerPort
	int port;

	@Test
	void S34_thePageHasTheRatingFromTheGrpcService() throws Exception {
		HttpResponse<String> response = get("/api/products/42");
		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(body(response).get("ratings")).isEqualTo(Map.of("id", "42", "rating", "4.5 stars for 42"));
	}

	/**
	 * {@code ?slow=ratings}: the page's 800 ms deadline travels as grpc-timeout; when it passes the page
	 * answers 504 and the ratings service's lookup is interrupted, not left to run its 10 s.
	 */
	@Test
	void S34_S33_thePagesDeadlineEndsTheGrpcServicesWork() throws Exception {
		long abandoned = stat("ratings", "abandoned");
		long completed = stat("ratings", "completed");
		HttpResponse<String> response = get("/api/products/42?slow=ratings");
		assertThat(response.statusCode()).isEqualTo(504);
		await().atMost(Duration.ofSeconds(5)).until(() -> stat("ratings", "abandoned") > abandoned);
		assertThat(stat("ratings", "completed")).isEqualTo(completed);
	}

	@Test
	void S34_aFailingGrpcServiceAnswers502() throws Exception {
		HttpResponse<String> response = get("/api/products/42?fail=ratings");
		assertThat(response.statusCode()).as(response.body()).isEqualTo(502);
		assertThat(response.body()).contains("ratings");
	}

	private HttpResponse<String> get(String path) throws Exception {
		HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + path))
			.timeout(Duration.ofSeconds(30))
			.build();
		return this.http.send(request, HttpResponse.BodyHandlers.ofString());
	}

	@SuppressWarnings("unchecked")
	private Map<String, Object> body(HttpResponse<String> response) {
		return this.json.readValue(response.body(), Map.class);
	}

	@SuppressWarnings("unchecked")
	private long stat(String service, String counter) throws Exception {
		Map<String, Object> counters = (Map<String, Object>) body(get("/downstream/stats")).get(service);
		return (counters != null) ? ((Number) counters.get(counter)).longValue() : 0L;
	}

}
