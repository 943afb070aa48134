package io.github.errgroup.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.json.JsonMapper;

/**
 * The sample's scenarios over real HTTP, on a real Tomcat on a random port.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class SampleAppEndToEndTest {

	/** Timings worth a look, off by default: {@code -Dlogging.level.errgroup.measurements=debug}. */
	private static final Logger MEASUREMENTS = LoggerFactory.getLogger("errgroup.measurements.SampleAppEndToEndTest");

	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	private final JsonMapper json = JsonMapper.builder().build();

	@LocalServerPort
	int port;

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
		Map<String, Object> stats = body(get("/downstream/stats"));
		Map<String, Object> counters = (Map<String, Object>) stats.get(service);
		return (counters != null) ? ((Number) counters.get(counter)).longValue() : 0L;
	}

	@Test
	void allFine_thePageHasEveryPart_recommendationsFromANestedGroup() throws Exception {
		HttpResponse<String> response = get("/api/products/42");
		assertThat(response.statusCode()).isEqualTo(200);
		Map<String, Object> page = body(response);
		assertThat(page).containsKeys("details", "pricing", "inventory", "reviews", "recommendations");
		assertThat((List<?>) page.get("recommendations")).hasSize(3);
		assertThat(page.get("inventory")).as("from the database (data.sql)")
			.isEqualTo(Map.of("productId", "42", "inStock", 22, "warehouses", 3));
	}

	/**
	 * S3, S25: the failure answers at once, and the slow sibling's call, if it reached the downstream,
	 * is closed on the wire rather than read for its 10 s. When pricing fails before the reviews task
	 * has sent its request, there is nothing on the wire to close (S4): that attempt proves nothing,
	 * so the test tries again.
	 */
	@Test
	void oneFails_answers502NamingIt_andTheSlowSiblingsCallIsClosedOnTheWire() throws Exception {
		for (int attempt = 1; attempt <= 5; attempt++) {
			long startedBefore = stat("reviews", "started");
			long abandonedBefore = stat("reviews", "abandoned");
			long completedBefore = stat("reviews", "completed");
			long start = System.nanoTime();
			HttpResponse<String> response = get("/api/products/42?fail=pricing&slow=reviews");
			Duration took = Duration.ofNanos(System.nanoTime() - start);
			assertThat(response.statusCode()).isEqualTo(502);
			assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
					type -> assertThat(type).startsWith("application/problem+json"));
			assertThat(body(response).get("detail")).asString().contains("pricing");
			assertThat(took).as("the failure does not wait for the slow sibling").isLessThan(Duration.ofSeconds(5));
			long failedAt = System.nanoTime();
			if (!eventually(Duration.ofSeconds(2), () -> stat("reviews", "started") > startedBefore)) {
				continue; // cancelled before its request went out
			}
			await().atMost(Duration.ofSeconds(15)).until(() -> stat("reviews", "abandoned") > abandonedBefore
					|| stat("reviews", "completed") > completedBefore);
			assertThat(stat("reviews", "completed")).as("slow reviews calls that ran to their end")
				.isEqualTo(completedBefore);
			MEASUREMENTS.debug("slow reviews call abandoned on the wire {} ms after the 502 (attempt {})",
					Duration.ofNanos(System.nanoTime() - failedAt).toMillis(), attempt);
			return;
		}
		throw new AssertionError("in 5 attempts, the slow reviews call never reached the downstream");
	}

	@SuppressWarnings("unchecked")
	private long slowStatements(String outcome) throws Exception {
		return ((Number) ((Map<String, Object>) body(get("/db/stats")).get("slowStatements")).get(outcome)).longValue();
	}

	/** The database's own count of sleeping statements, and the pool's active connections: 0 at rest. */
	@SuppressWarnings("unchecked")
	private boolean databaseAtRest() throws Exception {
		Map<String, Object> stats = body(get("/db/stats"));
		Map<String, Object> pool = (Map<String, Object>) stats.get("pool");
		return ((Number) stats.get("sleeping")).intValue() == 0 && ((Number) pool.get("active")).intValue() == 0;
	}

	/**
	 * S30: a sibling's failure cancels the inventory query on the database. The 502 comes at once; the
	 * statement, sleeping 10 s inside H2, ended with the database's cancellation error (SQLState 57014,
	 * {@code Statement.cancel()}), not with an interrupt of its thread nor at its end; the database runs
	 * nothing of it any more and its connection is back in the pool. When pricing fails before the
	 * inventory task has sent its statement, there is nothing to cancel (S4): the test tries again.
	 */
	@Test
	void S30_slowQuery_siblingFails_answers502AtOnce_andTheStatementIsCancelledOnTheDatabase() throws Exception {
		for (int attempt = 1; attempt <= 5; attempt++) {
			long startedBefore = slowStatements("started");
			long cancelledBefore = slowStatements("cancelled");
			long start = System.nanoTime();
			HttpResponse<String> response = get("/api/products/42?fail=pricing&slow=inventory");
			Duration took = Duration.ofNanos(System.nanoTime() - start);
			assertThat(response.statusCode()).isEqualTo(502);
			assertThat(body(response).get("detail")).asString().contains("pricing");
			assertThat(took).as("the failure does not wait for the slow query").isLessThan(Duration.ofSeconds(5));
			if (slowStatements("started") == startedBefore) {
				continue; // cancelled before its statement went out
			}
			assertStatementCancelledOnTheDatabase(startedBefore, cancelledBefore);
			MEASUREMENTS.debug("?fail=pricing&slow=inventory answered 502 after {} ms (attempt {})", took.toMillis(),
					attempt);
			return;
		}
		throw new AssertionError("in 5 attempts, the slow inventory statement never started");
	}

	/**
	 * S30, S31: the page's deadline reaches the query sleeping in the database: 504 at about 800 ms, not
	 * after 10 s, the statement cancelled on the database and its connection back in the pool.
	 */
	@Test
	void S30_slowQuery_answers504AtThePageDeadline_andTheStatementIsCancelledOnTheDatabase() throws Exception {
		long startedBefore = slowStatements("started");
		long cancelledBefore = slowStatements("cancelled");
		long start = System.nanoTime();
		HttpResponse<String> response = get("/api/products/42?slow=inventory");
		Duration took = Duration.ofNanos(System.nanoTime() - start);
		assertThat(response.statusCode()).isEqualTo(504);
		assertThat(body(response).get("detail")).asString().contains("timed out");
		assertThat(took).isBetween(Duration.ofMillis(700), Duration.ofSeconds(5));
		assertStatementCancelledOnTheDatabase(startedBefore, cancelledBefore);
		MEASUREMENTS.debug("?slow=inventory answered 504 after {} ms", took.toMillis());
	}

	/** One slow statement started since the counts were taken, and it ended cancelled on the database. */
	private void assertStatementCancelledOnTheDatabase(long startedBefore, long cancelledBefore) throws Exception {
		assertThat(slowStatements("started")).isEqualTo(startedBefore + 1);
		// The answer may come before the statement's end is counted: the task ends after its group (S10 is
		// about await(), and the 502 is written once await() returned, so in practice it has ended).
		await().atMost(Duration.ofSeconds(15))
			.untilAsserted(() -> assertThat(slowStatements("cancelled")).as(
					"slow statements that ended with SQLState 57014 (not interrupted, not completed): %s",
					get("/db/stats").body())
				.isEqualTo(cancelledBefore + 1));
		await().atMost(Duration.ofSeconds(5)).until(this::databaseAtRest);
	}

	/** The database's failure is the page's: 502 naming the inventory, like a downstream service's. */
	@Test
	void failingQuery_answers502NamingTheInventory() throws Exception {
		HttpResponse<String> response = get("/api/products/42?fail=inventory");
		assertThat(response.statusCode()).isEqualTo(502);
		assertThat(body(response)).containsEntry("service", "inventory");
		assertThat(body(response).get("detail")).asString().contains("inventory failed on purpose");
		assertThat(databaseAtRest()).isTrue();
	}

	private static boolean eventually(Duration within, java.util.concurrent.Callable<Boolean> condition) {
		try {
			await().atMost(within).until(condition);
			return true;
		}
		catch (org.awaitility.core.ConditionTimeoutException ex) {
			return false;
		}
	}

	/**
	 * S25: the slow call is aborted when the group's deadline passes, though its task is blocked
	 * reading a response body from the JDK HttpClient, which ignores interrupts.
	 */
	@Test
	void slowDetails_answers504AtTheGroupDeadline_notAfterTenSeconds() throws Exception {
		long start = System.nanoTime();
		HttpResponse<String> response = get("/api/products/42?slow=details");
		Duration took = Duration.ofNanos(System.nanoTime() - start);
		assertThat(response.statusCode()).isEqualTo(504);
		assertThat(body(response).get("detail")).asString().contains("timed out");
		assertThat(took).isBetween(Duration.ofMillis(700), Duration.ofSeconds(5));
		MEASUREMENTS.debug("?slow=details answered 504 after {} ms", took.toMillis());
	}

	/**
	 * S12, S20: the search group's profile ({@code errgroup.groups.search.limit: 4}) bounds the lookups
	 * running at once; without it, the executor's eight threads and the waiting request thread would run
	 * up to nine.
	 */
	@Test
	void search_fansOutToTwentyShards_atMostFourAtOnce() throws Exception {
		HttpResponse<String> response = get("/api/search?q=errgroup");
		assertThat(response.statusCode()).isEqualTo(200);
		Map<String, Object> answer = body(response);
		assertThat(answer.get("shards")).isEqualTo(20);
		assertThat(((Number) answer.get("maxConcurrency")).intValue()).isBetween(1, 4);
		assertThat((List<?>) answer.get("hits")).hasSize(7);
	}

	@Test
	void prometheusCountersAddUp_spawnedIsSuccessPlusFailurePlusCancelled() throws Exception {
		get("/api/products/1");
		get("/api/products/2?fail=pricing&slow=reviews");
		get("/api/search?q=x");
		// At rest: the ratings service's own group (S33, server side of the gRPC call the failed page
		// cancelled) ends a moment after the page's answer
		await().atMost(Duration.ofSeconds(10))
			.until(() -> sum(get("/actuator/prometheus").body(), "errgroup_groups_active", "") == 0);
		String scrape = get("/actuator/prometheus").body();
		double spawned = sum(scrape, "errgroup_tasks_spawned_total", "");
		double success = sum(scrape, "errgroup_task_duration_seconds_count", "outcome=\"success\"");
		double failure = sum(scrape, "errgroup_task_duration_seconds_count", "outcome=\"failure\"");
		double cancelled = sum(scrape, "errgroup_task_duration_seconds_count", "outcome=\"cancelled\"");
		assertThat(spawned).isGreaterThanOrEqualTo(5 + 5 + 20);
		assertThat(success + failure + cancelled).isEqualTo(spawned);
		assertThat(sum(scrape, "errgroup_tasks_failed_total", "")).isEqualTo(failure);
		assertThat(sum(scrape, "errgroup_tasks_cancelled_total", "")).isEqualTo(cancelled);
		assertThat(sum(scrape, "errgroup_tasks_active", "")).isZero();
		assertThat(sum(scrape, "errgroup_groups_active", "")).isZero();
	}

	/** Adds up the samples of a Prometheus metric whose labels contain {@code labelPart}. */
	private static double sum(String scrape, String metric, String labelPart) {
		return scrape.lines()
			.filter(line -> line.startsWith(metric + "{") || line.startsWith(metric + " "))
			.filter(line -> line.contains(labelPart))
			.mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
			.sum();
	}

	@Test
	@SuppressWarnings("unchecked")
	void S38_theTimelineShowsTheGroupsWithTheirTasks_byName() throws Exception {
		get("/api/products/7?fail=inventory");
		HttpResponse<String> response = get("/api/timeline");
		assertThat(response.statusCode()).isEqualTo(200);
		List<Map<String, Object>> groups = this.json.readValue(response.body(), List.class);
		Map<String, Object> product = groups.stream().filter((g) -> "product".equals(g.get("name"))).findFirst().orElseThrow();
		List<Map<String, Object>> tasks = (List<Map<String, Object>>) product.get("tasks");
		assertThat(tasks).extracting((t) -> t.get("name"))
			.containsExactly("details", "pricing", "inventory", "reviews", "recommendations", "ratings");
		assertThat(tasks).filteredOn((t) -> "failed".equals(t.get("outcome"))).extracting((t) -> t.get("name"))
			.containsExactly("inventory");
		assertThat(get("/").body()).contains("live fan-out timeline");
	}

}
