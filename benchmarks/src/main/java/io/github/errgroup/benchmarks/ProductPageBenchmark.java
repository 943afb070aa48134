package io.github.errgroup.benchmarks;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;

import io.github.errgroup.benchmarks.page.Downstreams;
import io.github.errgroup.benchmarks.page.PageApplication;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The sample's product page through the starter against the same page written with
 * {@code CompletableFuture}, on the same executor and {@code RestClient} ({@link PageApplication}), in
 * an embedded Tomcat on a random loopback port; the downstreams ({@link Downstreams}, 50 ms each) on
 * another. One client thread asks for one page at a time over a kept-alive HTTP/1.1 connection
 * ({@code SampleTime}: p50, p99 of the page as its client sees it; 5 x 6 s per fork, ~1,000 pages at ~60 ms).
 *
 * <ul>
 * <li>{@code oneCall}: a page that makes one downstream call on the request thread: the critical path
 * of the two pages, with every hop they have (client → Tomcat → RestClient → downstream). A page minus
 * it is what the fan-out costs.</li>
 * <li>{@code completableFuturePage}: the hand-written page.</li>
 * <li>{@code errGroupPage}: the sample's page.</li>
 * </ul>
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 6)
@Fork(value = 2, jvmArgsAppend = { "-Xms1g", "-Xmx1g" })
@Threads(1)
@State(Scope.Benchmark)
public class ProductPageBenchmark {

	private Downstreams downstreams;

	private ConfigurableApplicationContext application;

	private HttpClient client;

	private URI errGroupPage;

	private URI completableFuturePage;

	private URI oneCall;

	@Setup(Level.Trial)
	public void setUp() throws IOException {
		this.downstreams = Downstreams.start();
		this.application = new SpringApplicationBuilder(PageApplication.class)
			.web(WebApplicationType.SERVLET)
			.properties("server.port=0", "server.address=127.0.0.1", "spring.main.banner-mode=off",
					"spring.jmx.enabled=false", "logging.level.root=warn",
					"bench.downstream=" + this.downstreams.baseUrl(),
					// The sample's profile of the product group gives it a deadline (800ms there): the same
					// machinery, a deadline a loaded machine cannot reach, so that a slow page is measured, not failed.
					"errgroup.groups.product.timeout=10s")
			.run();
		int port = ((WebServerApplicationContext) this.application).getWebServer().getPort();
		String base = "http://127.0.0.1:" + port + "/page/";
		this.errGroupPage = URI.create(base + "errgroup/42");
		this.completableFuturePage = URI.create(base + "completable-future/42");
		this.oneCall = URI.create(base + "one-call/42");
		this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
	}

	@TearDown(Level.Trial)
	public void tearDown() {
		this.application.close();
		this.downstreams.close();
	}

	@Benchmark
	public int oneCall() throws IOException, InterruptedException {
		return get(this.oneCall);
	}

	@Benchmark
	public int completableFuturePage() throws IOException, InterruptedException {
		return get(this.completableFuturePage);
	}

	@Benchmark
	public int errGroupPage() throws IOException, InterruptedException {
		return get(this.errGroupPage);
	}

	private int get(URI page) throws IOException, InterruptedException {
		HttpResponse<String> response = this.client.send(HttpRequest.newBuilder(page).build(),
				HttpResponse.BodyHandlers.ofString());
		if (response.statusCode() != 200) {
			throw new IllegalStateException(page + " answered " + response.statusCode() + ": " + response.body());
		}
		return response.body().length();
	}

}
