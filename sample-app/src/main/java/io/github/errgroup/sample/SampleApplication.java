package io.github.errgroup.sample;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/**
 * A product-page aggregator: {@code GET /api/products/{id}} fans out over HTTP to four downstream
 * services (served by this same app under {@code /downstream}) and to the inventory database (H2, or
 * PostgreSQL with the {@code postgres} profile) in one {@code ErrGroup}, and
 * {@code GET /api/search} fans out to twenty shards under a limit. The page at {@code /} draws the
 * groups as a live timeline.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
public class SampleApplication {

	public static void main(String[] args) {
		SpringApplication.run(SampleApplication.class, args);
	}

}
