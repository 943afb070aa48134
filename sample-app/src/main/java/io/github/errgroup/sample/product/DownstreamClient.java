package io.github.errgroup.sample.product;

import java.util.Map;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.core.env.Environment;
import org.springframework.http.HttpStatusCode;
import org.springframework.stereotype.Component;
import org.springframework.web.client.RestClient;

/**
 * Calls the downstream services over real HTTP, on loopback, with the auto-configured
 * {@link RestClient.Builder}.
 */
@Component
public class DownstreamClient {

	private static final ParameterizedTypeReference<Map<String, Object>> JSON = new ParameterizedTypeReference<>() {
	};

	private final RestClient client;

	private final Environment environment;

	public DownstreamClient(RestClient.Builder builder, Environment environment) {
		this.client = builder.build();
		this.environment = environment;
	}

	/**
	 * Fetches one service's part of the page.
	 * @param service the downstream service
	 * @param id the product
	 * @param mode {@code ok}, {@code fail} or {@code slow}
	 * @param part a sub-query, or empty
	 * @return the service's answer
	 * @throws DownstreamException if the service answered with an error status
	 */
	public Map<String, Object> fetch(String service, String id, String mode, String part) {
		// The port is read at call time: in tests the server listens on a random one.
		String port = this.environment.getProperty("local.server.port", "8080");
		return this.client.get()
			.uri("http://127.0.0.1:{port}/downstream/{service}/{id}?mode={mode}&part={part}", port, service, id, mode, part)
			.retrieve()
			.onStatus(HttpStatusCode::isError, (request, response) -> {
				throw new DownstreamException(service, response.getStatusCode());
			})
			.body(JSON);
	}

}
