package io.github.errgroup.sample.product;

import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.http.HttpStatusCode;
import org.springframework.stereotype.Component;
import org.springframework.web.client.RestClient;

/**
 * Calls the downstream services over real HTTP, with the auto-configured {@link RestClient.Builder}:
 * inside a group task, each call carries the time left before the group's deadline and is closed on
 * the wire when the group is cancelled.
 */
@Component
public class DownstreamClient implements ApplicationListener<WebServerInitializedEvent> {

	private final RestClient.Builder builder;

	private volatile RestClient client;

	public DownstreamClient(RestClient.Builder builder) {
		this.builder = builder;
	}

	/**
	 * Builds the client once the server listens. The simulated services are served by this app, so
	 * their address is known only then (tests use a random port); an application calling real services
	 * would build its client in the constructor, from a configured base URL.
	 */
	@Override
	public void onApplicationEvent(WebServerInitializedEvent event) {
		if (event.getApplicationContext().getServerNamespace() == null) { // not a separate management server
			this.client = this.builder.baseUrl("http://127.0.0.1:" + event.getWebServer().getPort() + "/downstream")
				.build();
		}
	}

	/**
	 * Fetches one service's part of a product page.
	 * @param service the downstream service
	 * @param id the product
	 * @return the service's answer
	 * @throws DownstreamException if the service answered with an error status
	 */
	public Part fetch(String service, String id) {
		return fetch(service, id, "");
	}

	/**
	 * Fetches one service's answer to a sub-query about a product.
	 * @param service the downstream service
	 * @param id the product
	 * @param query the sub-query, or empty
	 * @return the service's answer
	 * @throws DownstreamException if the service answered with an error status
	 */
	public Part fetch(String service, String id, String query) {
		return this.client.get()
			.uri("/{service}/{id}?query={query}", service, id, query)
			.retrieve()
			.onStatus(HttpStatusCode::isError, (request, response) -> {
				throw new DownstreamException(service, response.getStatusCode());
			})
			.body(Part.class);
	}

	/**
	 * One service's answer.
	 * @param service the service that answered
	 * @param id the product
	 * @param query the sub-query, or empty
	 */
	public record Part(String service, String id, String query) {
	}

}
