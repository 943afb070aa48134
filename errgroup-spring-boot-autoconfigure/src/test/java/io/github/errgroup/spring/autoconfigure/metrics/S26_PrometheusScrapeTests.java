package io.github.errgroup.spring.autoconfigure.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import io.github.errgroup.ErrGroup;
import io.github.errgroup.ErrGroupException;
import io.github.errgroup.ErrGroupFactory;
import io.github.errgroup.spring.observation.ErrGroupObservations;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.beans.factory.annotation.Autowired;
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
 * errgroup meter, tagged with the group's name, and no other: the S27 observations are on, yet the
 * meters Spring Boot would derive from them ({@code errgroup_task_seconds},
 * {@code errgroup_group_active_seconds}, ...) are not there beside the S26 ones.
 */
@SpringBootTest(classes = S26_PrometheusScrapeTests.Application.class,
		webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = "management.endpoints.web.exposure.include=health,prometheus")
class S26_PrometheusScrapeTests {

	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	/**
	 * The seven S26 meters, one per concept, as the scrape's {@code # TYPE} lines name them: counters
	 * end in {@code _total}, and the timer's maximum is a gauge family of its own.
	 */
	private static final Set<String> S26_FAMILIES = Set.of("errgroup_tasks_spawned_total",
			"errgroup_tasks_failed_total", "errgroup_tasks_cancelled_total", "errgroup_task_duration_seconds",
			"errgroup_task_duration_seconds_max", "errgroup_tasks_active", "errgroup_groups_active",
			"errgroup_tasks_overdue");

	private static final Pattern FAMILY = Pattern.compile("^# TYPE (\\S+) ", Pattern.MULTILINE);

	@LocalServerPort
	private int port;

	@Autowired
	private ErrGroupObservations observations;

	@Test
	@Timeout(60)
	void S26_prometheusShowsEveryErrgroupMeterTaggedWithTheGroupName() throws Exception {
		assertThat(get("/checkout").body()).isEqualTo("failed: payment declined");

		HttpResponse<String> scrape = get("/actuator/prometheus");
		assertThat(scrape.statusCode()).isEqualTo(200);
		String body = scrape.body();
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
	void S26_S27_oneMeterFamilyPerConcept_theObservationsDeriveNone() throws Exception {
		assertThat(this.observations).as("the S27 observations are on").isNotNull();
		assertThat(get("/returns").body()).isEqualTo("failed: payment declined");

		String body = get("/actuator/prometheus").body();
		Set<String> families = FAMILY.matcher(body).results().map((type) -> type.group(1)).collect(Collectors.toSet());
		assertThat(families).as("Boot derives meters from observations here: the request's")
			.contains("http_server_requests_seconds");
		assertThat(families.stream().filter((family) -> family.startsWith("errgroup_")))
			.containsExactlyInAnyOrderElementsOf(S26_FAMILIES);
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

		@GetMapping("/checkout")
		String checkout() {
			return fanOut("checkout");
		}

		/** As checkout, in a group of another name, so that the counts of checkout stay its own. */
		@GetMapping("/returns")
		String returns() {
			return fanOut("returns");
		}

		/**
		 * Two tasks succeed, then one fails, and the one it was waiting beside is cancelled. The failure
		 * waits for both successes, or a busy pool could start it first and cancel them unstarted; the
		 * awaiting thread runs whichever the pool has not started.
		 */
		private String fanOut(String name) {
			CountDownLatch succeeded = new CountDownLatch(2);
			CountDownLatch blocking = new CountDownLatch(1);
			try (ErrGroup group = this.groups.newGroup(name)) {
				group.go(() -> {
					succeeded.countDown();
					return "cart";
				});
				group.go(() -> {
					succeeded.countDown();
					return "address";
				});
				group.go(() -> {
					blocking.countDown();
					new CountDownLatch(1).await(); // until the failure cancels the group
					return "unreachable";
				});
				group.go(() -> {
					succeeded.await();
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
