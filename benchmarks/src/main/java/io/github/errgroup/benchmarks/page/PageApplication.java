package io.github.errgroup.benchmarks.page;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

import io.github.errgroup.ErrGroup;
import io.github.errgroup.ErrGroupFactory;
import io.github.errgroup.Task;

import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.RestClient;

/**
 * The sample's product page (sample-app's {@code ProductController}), served by an embedded Tomcat
 * through the starter, three ways on the same executor and the same {@link RestClient}:
 *
 * <ul>
 * <li>{@code /page/errgroup/{id}}: the sample's page as it is written there: a group of five tasks
 * (details, pricing, inventory, reviews, recommendations), the last one a nested group of three calls;
 * the group has a deadline from its profile ({@code errgroup.groups.product.timeout}) as in the sample.</li>
 * <li>{@code /page/completable-future/{id}}: the same fan-out hand-written with
 * {@code CompletableFuture.supplyAsync} on the factory's executor ({@code errGroupTaskExecutor}) and
 * {@code allOf(...).join()}, the nested three the same way inside the recommendations task. It does not
 * cancel siblings on a failure nor carry a deadline: the happy path only, which is all that is timed.</li>
 * <li>{@code /page/one-call/{id}}: one downstream call on the request thread, no fan-out: the critical
 * path of the two pages (every downstream takes the same 50 ms), with every hop they have.</li>
 * </ul>
 *
 * Differences from the sample, both for measurement: the inventory is a downstream call (the sample's is
 * a JDBC query), so that every leg takes the same 50 ms; the downstreams are served by
 * {@link Downstreams}, not by the page's own Tomcat.
 */
@SpringBootConfiguration(proxyBeanMethods = false)
@EnableAutoConfiguration
@Import(PageApplication.Pages.class)
public class PageApplication {

	private static final List<String> RECOMMENDATION_QUERIES = List.of("similar", "bought-together", "trending");

	/**
	 * One service's answer.
	 * @param service the service that answered
	 * @param id the product
	 * @param query the sub-query, or empty
	 */
	public record Part(String service, String id, String query) {
	}

	/**
	 * The page.
	 * @param id the product
	 * @param details its description
	 * @param pricing its price
	 * @param inventory its stock
	 * @param reviews its reviews
	 * @param recommendations one part per recommendation query
	 */
	public record ProductPage(String id, Part details, Part pricing, Part inventory, Part reviews,
			List<Part> recommendations) {
	}

	/** The three pages. */
	@RestController
	public static class Pages {

		private final ErrGroupFactory groups;

		private final Executor executor;

		private final RestClient client;

		/**
		 * The pages, on the starter's factory and its executor.
		 * @param groups the auto-configured factory
		 * @param executor the executor the factory runs tasks on (the starter's bean name)
		 * @param builder the auto-configured builder, with the starter's interceptor
		 * @param downstream where the downstream services answer
		 */
		public Pages(ErrGroupFactory groups, @Qualifier("errGroupTaskExecutor") Executor executor,
				RestClient.Builder builder, @Value("${bench.downstream}") String downstream) {
			this.groups = groups;
			this.executor = executor;
			this.client = builder.baseUrl(downstream).build();
		}

		private Part fetch(String service, String id, String query) {
			return this.client.get().uri("/{service}/{id}?query={query}", service, id, query).retrieve().body(Part.class);
		}

		/**
		 * The sample's page.
		 * @param id the product
		 * @return the page
		 */
		@GetMapping("/page/errgroup/{id}")
		public ProductPage errGroup(@PathVariable String id) {
			try (ErrGroup group = this.groups.newGroup("product")) {
				Task<Part> details = group.go(() -> fetch("details", id, ""));
				Task<Part> pricing = group.go(() -> fetch("pricing", id, ""));
				Task<Part> inventory = group.go(() -> fetch("inventory", id, ""));
				Task<Part> reviews = group.go(() -> fetch("reviews", id, ""));
				Task<List<Part>> recommendations = group.go(() -> groupRecommendations(id));
				group.await();
				return new ProductPage(id, details.resultNow(), pricing.resultNow(), inventory.resultNow(),
						reviews.resultNow(), recommendations.resultNow());
			}
		}

		private List<Part> groupRecommendations(String id) {
			try (ErrGroup group = this.groups.newGroup("recommendations")) {
				List<Task<Part>> queries = RECOMMENDATION_QUERIES.stream()
					.map(query -> group.go(() -> fetch("recommendations", id, query)))
					.toList();
				group.await();
				return queries.stream().map(Task::resultNow).toList();
			}
		}

		/**
		 * The same page with {@code CompletableFuture}.
		 * @param id the product
		 * @return the page
		 */
		@GetMapping("/page/completable-future/{id}")
		public ProductPage completableFuture(@PathVariable String id) {
			CompletableFuture<Part> details = async(() -> fetch("details", id, ""));
			CompletableFuture<Part> pricing = async(() -> fetch("pricing", id, ""));
			CompletableFuture<Part> inventory = async(() -> fetch("inventory", id, ""));
			CompletableFuture<Part> reviews = async(() -> fetch("reviews", id, ""));
			CompletableFuture<List<Part>> recommendations = async(() -> futureRecommendations(id));
			CompletableFuture.allOf(details, pricing, inventory, reviews, recommendations).join();
			return new ProductPage(id, details.join(), pricing.join(), inventory.join(), reviews.join(),
					recommendations.join());
		}

		private List<Part> futureRecommendations(String id) {
			List<CompletableFuture<Part>> queries = RECOMMENDATION_QUERIES.stream()
				.map(query -> async(() -> fetch("recommendations", id, query)))
				.toList();
			CompletableFuture.allOf(queries.toArray(CompletableFuture<?>[]::new)).join();
			return queries.stream().map(CompletableFuture::join).toList();
		}

		private <T> CompletableFuture<T> async(Supplier<T> call) {
			return CompletableFuture.supplyAsync(call, this.executor);
		}

		/**
		 * The critical path: one downstream call, on the request thread.
		 * @param id the product
		 * @return the one part
		 */
		@GetMapping("/page/one-call/{id}")
		public Part oneCall(@PathVariable String id) {
			return fetch("details", id, "");
		}

	}

}
