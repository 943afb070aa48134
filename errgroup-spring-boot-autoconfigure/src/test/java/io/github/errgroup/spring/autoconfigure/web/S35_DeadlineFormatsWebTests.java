package io.github.errgroup.spring.autoconfigure.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import io.github.errgroup.ErrGroup;
import io.github.errgroup.ErrGroupFactory;
import io.github.errgroup.GroupContext;
import io.github.errgroup.Task;
import io.github.errgroup.spring.autoconfigure.web.WebTestSupport.Server;
import io.github.errgroup.spring.web.DeadlineHeaders;
import io.github.errgroup.spring.web.reactive.ReactiveErrGroups;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Mono;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.http.HttpHeaders;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.RestClient;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.server.ServerWebExchange;

/**
 * S35 on real servers (Tomcat for Spring MVC, Reactor Netty for WebFlux): a request's deadline is the
 * earliest of our header, {@code grpc-timeout} and Envoy's {@code x-envoy-expected-rq-timeout-ms},
 * capped by {@code errgroup.web.request-timeout}; a malformed value is ignored, never an error page;
 * which formats are read, and which an outgoing {@code RestClient} or {@code WebClient} call sends, is
 * configured.
 */
@Timeout(120)
class S35_DeadlineFormatsWebTests {

	private static final String ENVOY = DeadlineHeaders.ENVOY_EXPECTED_TIMEOUT;

	@RegisterExtension
	static final Server mvc = new Server(MvcApp.class, WebApplicationType.SERVLET, "errgroup.web.request-timeout=5s");

	@RegisterExtension
	static final Server flux = new Server(FluxApp.class, WebApplicationType.REACTIVE, "errgroup.web.request-timeout=5s");

	/** Reads Envoy's header alone; our header renamed; sends every format. */
	@RegisterExtension
	static final Server configured = new Server(MvcApp.class, WebApplicationType.SERVLET,
			"errgroup.web.request-timeout=5s", "errgroup.web.deadline-header=X-Deadline-Ms",
			"errgroup.web.inbound-deadline-formats=envoy",
			"errgroup.web.outbound-deadline-formats=deadline-header,grpc-timeout,envoy");

	private static long millisLeft(Server server, String... headers) throws Exception {
		HttpResponse<String> response = WebTestSupport.get(server.port(), "/context", headers);
		assertThat(response.statusCode()).as("%s", List.of(headers)).isEqualTo(200);
		return Long.parseLong(response.body().split("\\|")[1]);
	}

	@Test
	void S35_grpcTimeout_inbound_isTheDeadline_inItsOwnUnits() throws Exception {
		for (Server server : List.of(mvc, flux)) {
			assertThat(millisLeft(server, "grpc-timeout", "800m")).isBetween(1L, 800L);
			assertThat(millisLeft(server, "grpc-timeout", "2S")).isBetween(1000L, 2000L);
			assertThat(millisLeft(server, "grpc-timeout", "900000u")).isBetween(1L, 900L);
		}
	}

	@Test
	void S35_envoysHeader_inbound_isTheDeadline() throws Exception {
		for (Server server : List.of(mvc, flux)) {
			assertThat(millisLeft(server, ENVOY, "800")).isBetween(1L, 800L);
		}
	}

	@Test
	void S35_theEarliestOfThosePresent_isTheDeadline() throws Exception {
		for (Server server : List.of(mvc, flux)) {
			assertThat(millisLeft(server, "Request-Timeout", "4000", "grpc-timeout", "700m", ENVOY, "3000"))
				.isBetween(1L, 700L);
			assertThat(millisLeft(server, "Request-Timeout", "4000", "grpc-timeout", "3S", ENVOY, "700"))
				.isBetween(1L, 700L);
			assertThat(millisLeft(server, "Request-Timeout", "700", "grpc-timeout", "1M", ENVOY, "3000"))
				.isBetween(1L, 700L);
		}
	}

	@Test
	void S35_everyFormat_isCappedByTheRequestTimeout() throws Exception {
		for (Server server : List.of(mvc, flux)) {
			assertThat(millisLeft(server, "grpc-timeout", "1H")).isBetween(3000L, 5000L);
			assertThat(millisLeft(server, "grpc-timeout", "99999999H")).isBetween(3000L, 5000L);
			assertThat(millisLeft(server, ENVOY, "600000")).isBetween(3000L, 5000L);
		}
	}

	@Test
	void S35_malformedValues_areIgnored_neverAnErrorPage_andDoNotHideAValidOne() throws Exception {
		for (Server server : List.of(mvc, flux)) {
			for (String bad : new String[] { "5s", "5", "-1S", "1.5S", "123456789m", "m", "5 S" }) {
				assertThat(millisLeft(server, "grpc-timeout", bad)).as("grpc-timeout: '%s'", bad).isBetween(3000L, 5000L);
			}
			for (String bad : new String[] { "abc", "-5", "1.5", "800ms", "0" }) { // Envoy sends no 0: it means none
				assertThat(millisLeft(server, ENVOY, bad)).as("envoy: '%s'", bad).isBetween(3000L, 5000L);
			}
			assertThat(millisLeft(server, "grpc-timeout", "5s", ENVOY, "soon", "Request-Timeout", "800"))
				.isBetween(1L, 800L);
		}
	}

	@Test
	void S35_grpcTimeoutOfZero_isAnExpiredDeadline_503AtOnce() throws Exception {
		for (Server server : List.of(mvc, flux)) {
			HttpResponse<String> response = WebTestSupport.get(server.port(), "/group", "grpc-timeout", "0m");
			assertThat(response.statusCode()).isEqualTo(503);
		}
	}

	@Test
	void S35_onlyTheConfiguredFormats_areRead() throws Exception {
		assertThat(millisLeft(configured, "grpc-timeout", "800m", "Request-Timeout", "800")).isBetween(3000L, 5000L);
		assertThat(millisLeft(configured, "X-Deadline-Ms", "800")).isBetween(3000L, 5000L); // named, not listed
		assertThat(millisLeft(configured, ENVOY, "800")).isBetween(1L, 800L);
	}

	@Test
	void S35_outbound_byDefault_ourMillisecondHeaderOfS25_andGrpcTimeout() throws Exception {
		for (String client : new String[] { "rest", "web" }) {
			Map<String, String> seen = seenDownstream(mvc, client);
			assertThat(seen).as(client).containsOnlyKeys("request-timeout", "grpc-timeout");
			assertThat(Long.parseLong(seen.get("request-timeout"))).as(client).isBetween(1L, 2000L);
			assertThat(DeadlineHeaders.parseGrpcTimeout(seen.get("grpc-timeout"))).as(client)
				.isBetween(Duration.ofMillis(1), Duration.ofSeconds(2));
		}
	}

	@Test
	void S35_outbound_everyConfiguredFormat_inItsOwnUnits() throws Exception {
		for (String client : new String[] { "rest", "web" }) {
			Map<String, String> seen = seenDownstream(configured, client);
			assertThat(seen).as(client).containsOnlyKeys("x-deadline-ms", "grpc-timeout", ENVOY);
			assertThat(Long.parseLong(seen.get("x-deadline-ms"))).as(client).isBetween(1L, 2000L);
			assertThat(Long.parseLong(seen.get(ENVOY))).as(client).isBetween(1L, 2000L);
			assertThat(seen.get("grpc-timeout")).as(client).matches("\\d{1,8}u"); // under 100 s: microseconds
		}
	}

	/**
	 * The deadline headers a call made inside a group with a 2 s deadline carried, as the downstream
	 * service saw them.
	 */
	private static Map<String, String> seenDownstream(Server server, String client) throws Exception {
		HttpResponse<String> response = WebTestSupport.get(server.port(), "/call?client=" + client);
		assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
		Map<String, String> seen = new TreeMap<>();
		for (String line : response.body().split("\n")) {
			if (!line.isBlank()) {
				String[] nameAndValue = line.split(": ", 2);
				seen.put(nameAndValue[0], nameAndValue[1]);
			}
		}
		return seen;
	}

	@Configuration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	static class MvcApp {

		@Bean
		MvcEndpoints endpoints(ErrGroupFactory groups, RestClient.Builder rest, WebClient.Builder web,
				Environment environment) {
			return new MvcEndpoints(groups, rest, web, environment);
		}

	}

	@RestController
	static class MvcEndpoints {

		private final ErrGroupFactory groups;

		private final RestClient.Builder rest;

		private final WebClient.Builder web;

		private final Environment environment;

		MvcEndpoints(ErrGroupFactory groups, RestClient.Builder rest, WebClient.Builder web, Environment environment) {
			this.groups = groups;
			this.rest = rest;
			this.web = web;
			this.environment = environment;
		}

		@GetMapping("/context")
		String context() {
			return WebTestSupport.nameAndMillisLeft(GroupContext.current().orElseThrow());
		}

		@GetMapping("/group")
		String group() throws Exception {
			try (ErrGroup group = this.groups.newGroup("group")) {
				group.go(() -> Thread.sleep(30_000));
				group.await();
				return "never";
			}
		}

		/** Calls this server's {@code /echo} inside a group with a 2 s deadline. */
		@GetMapping("/call")
		String call(@RequestParam String client) throws Exception {
			String base = "http://127.0.0.1:" + this.environment.getRequiredProperty("local.server.port");
			try (ErrGroup group = this.groups.group("call").timeout(Duration.ofSeconds(2)).detached().open()) {
				Task<String> echoed = group.go(() -> client.equals("web")
						? this.web.baseUrl(base).build().get().uri("/echo").retrieve().bodyToMono(String.class).block()
						: this.rest.baseUrl(base).build().get().uri("/echo").retrieve().body(String.class));
				group.await();
				return echoed.resultNow();
			}
		}

		/** The deadline headers this request carried, one {@code name: value} a line. */
		@GetMapping("/echo")
		String echo(@RequestHeader HttpHeaders headers) {
			StringBuilder seen = new StringBuilder("\n");
			for (String name : List.of("request-timeout", "x-deadline-ms", "grpc-timeout", ENVOY)) {
				String value = headers.getFirst(name);
				if (value != null) {
					seen.append(name).append(": ").append(value).append('\n');
				}
			}
			return seen.toString();
		}

	}

	@Configuration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	static class FluxApp {

		@Bean
		FluxEndpoints endpoints(ReactiveErrGroups groups) {
			return new FluxEndpoints(groups);
		}

	}

	@RestController
	static class FluxEndpoints {

		private final ReactiveErrGroups groups;

		FluxEndpoints(ReactiveErrGroups groups) {
			this.groups = groups;
		}

		@GetMapping("/context")
		String context(ServerWebExchange exchange) {
			return WebTestSupport.nameAndMillisLeft(ReactiveErrGroups.requestContext(exchange).orElseThrow());
		}

		@GetMapping("/group")
		Mono<String> group() {
			return this.groups.mono("group", (g) -> {
				g.go(() -> Thread.sleep(30_000));
				return () -> "never";
			});
		}

	}

}
