package io.github.errgroup.spring.autoconfigure.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.github.errgroup.ErrGroup;
import io.github.errgroup.ErrGroupException;
import io.github.errgroup.ErrGroupFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * S26 in an application as users run it: Spring MVC, the actuator and the Prometheus registry, on a
 * real server on a random port. A request fans out; {@code /actuator/prometheus} then shows every
 * errgroup meter, tagged with the group's name.
 */
@SpringBootTest(classes = S26_PrometheusScrapeTests.Application.class,
		webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = "management.endpoints.web.exposure.include=health,prometheus")
class S26_PrometheusScrapeTests {

	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	@LocalServerPort
	private int port;

	@Test
	@Timeout(60)
	void S26_prometheusShowsEveryErrgroupMeterTaggedWithTheGroupName() throws Exception {
		assertThat(get("/checkout").body()).isEqualTo("failed: payment declined");

		HttpResponse<String> scrape = get("/actuator/prometheus");
		assertThat(scrape.statusCode()).isEqualTo(200);
		String body = scrape.body();
		System.out.println(body.lines().filter((line) -> line.startsWith("errgroup_")).reduce("S26 scrape:",
				(all, line) -> all + "\n  " + line));
		double spawned = sample(body, "errgroup_tasks_spawned_total{group=\"checkout\"}");
		double success = sample(body, "errgroup_task_duration_seconds_count{group=\"checkout\",outcome=\"success\"}");
		double failed = sample(body, "errgroup_tasks_failed_total{exception=\"IllegalStateException\",group=\"checkout\"}");
		double cancelled = sample(body, "errgroup_tasks_cancelled_total{group=\"checkout\"}");
		assertThat(spawned).isEqualTo(4);
		assertThat(success).isEqualTo(2);
		assertThat(failed).isEqualTo(1);
		assertThat(cancelled).isEqualTo(1);
		assertThat(spawned).isEqualTo(success + failed + cancelled);
		assertThat(sample(body, "errgroup_task_duration_seconds_count{group=\"checkout\",outcome=\"failure\"}"))
			.isEqualTo(1);
		assertThat(sample(body, "errgroup_task_duration_seconds_count{group=\"checkout\",outcome=\"cancelled\"}"))
			.isEqualTo(1);
		assertThat(sample(body, "errgroup_tasks_active{group=\"checkout\"}")).isZero();
		assertThat(sample(body, "errgroup_groups_active{group=\"checkout\"}")).isZero();
		assertThat(sample(body, "errgroup_tasks_overdue{group=\"checkout\"}")).isZero();
	}

	@Test
	@Timeout(60)
	void S28_theErrgroupsEndpointIsNotExposedOverHttpUnlessTheUserExposesIt() throws Exception {
		assertThat(get("/actuator/errgroups").statusCode()).isEqualTo(404);
	}

	private HttpResponse<String> get(String path) throws Exception {
		HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + path))
			.timeout(Duration.ofSeconds(30))
			.build();
		return this.http.send(request, HttpResponse.BodyHandlers.ofString());
	}

	/** The value of one sample of the Prometheus text format, found by its exact name and labels. */
	private static double sample(String body, String series) {
		Matcher matcher = Pattern.compile("^" + Pattern.quote(series) + " (\\S+)", Pattern.MULTILINE).matcher(body);
		assertThat(matcher.find()).as("%s in the scrape", series).isTrue();
		return Double.parseDouble(matcher.group(1));
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	@Import(CheckoutController.class)
	static class Application {

	}

	@RestController
	static class CheckoutController {

		private final ErrGroupFactory groups;

		CheckoutController(ErrGroupFactory groups) {
			this.groups = groups;
		}

		/** Two tasks succeed, one fails, and the one it was waiting beside is cancelled. */
		@GetMapping("/checkout")
		String checkout() {
			CountDownLatch blocking = new CountDownLatch(1);
			try (ErrGroup group = this.groups.newGroup("checkout")) {
				group.go(() -> "cart");
				group.go(() -> "address");
				group.go(() -> {
					blocking.countDown();
					new CountDownLatch(1).await(); // until the failure cancels the group
					return "unreachable";
				});
				group.go(() -> {
					blocking.await();
					throw new IllegalStateException("payment declined");
				});
				group.await();
				return "ok";
			}
			catch (ErrGroupException ex) {
				return "failed: " + ex.getCause().getMessage();
			}
		}

	}

}
