package io.github.errgroup.sample;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;
import org.springframework.web.client.RestClient;

/**
 * Sends one product page and one search through the app when it is ready, so that the first request
 * a person makes does not pay for class loading and JIT against the page's 800 ms budget (measured: a
 * cold first page took 0.9 to 2 s and could answer 504). Off with {@code sample.warm-up=false}.
 */
@Component
class WarmUp {

	private static final Logger logger = LoggerFactory.getLogger(WarmUp.class);

	private final RestClient.Builder builder;

	private final Environment environment;

	WarmUp(RestClient.Builder builder, Environment environment) {
		this.builder = builder;
		this.environment = environment;
	}

	@EventListener(ApplicationReadyEvent.class)
	void warmUp() {
		if (!this.environment.getProperty("sample.warm-up", Boolean.class, true)) {
			return;
		}
		String base = "http://127.0.0.1:" + this.environment.getProperty("local.server.port", "8080");
		RestClient client = this.builder.build();
		long start = System.nanoTime();
		for (String path : new String[] { "/api/products/0", "/api/products/0", "/api/search?q=warm-up" }) {
			try {
				client.get().uri(base + path).retrieve().toBodilessEntity();
			}
			catch (RuntimeException ex) {
				logger.debug("Warm-up request {} failed: {}", path, ex.toString());
			}
		}
		logger.info("Warmed up in {} ms", (System.nanoTime() - start) / 1_000_000);
	}

}
