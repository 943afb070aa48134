package io.github.errgroup.sample.product;

import java.util.List;

import io.github.errgroup.ErrGroup;
import io.github.errgroup.ErrGroupFactory;
import io.github.errgroup.Task;
import io.github.errgroup.sample.inventory.InventoryRepository;
import io.github.errgroup.sample.inventory.InventoryRepository.Stock;
import io.github.errgroup.sample.product.DownstreamClient.Part;
import io.github.errgroup.sample.product.RatingsClient.Rating;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/**
 * The product page: four downstream calls over HTTP, one over gRPC (ratings) and one database query
 * in one group. The first failure answers 502 and cancels the others, closing their HTTP connections,
 * resetting the gRPC stream and cancelling the query on the database; the group's profile ({@code errgroup.groups.product.timeout}) answers 504 when the page
 * takes too long.
 */
@RestController
public class ProductController {

	private static final List<String> RECOMMENDATION_QUERIES = List.of("similar", "bought-together", "trending");

	private final ErrGroupFactory groups;

	private final DownstreamClient downstream;

	private final InventoryRepository inventory;

	private final RatingsClient ratings;

	public ProductController(ErrGroupFactory groups, DownstreamClient downstream, InventoryRepository inventory,
			RatingsClient ratings) {
		this.groups = groups;
		this.downstream = downstream;
		this.inventory = inventory;
		this.ratings = ratings;
	}

	@GetMapping("/api/products/{id}")
	public ProductPage product(@PathVariable String id) {
		try (ErrGroup group = this.groups.newGroup("product")) { // profile: errgroup.groups.product.*
			// Named after what each one fetches: the timeline, traces, /actuator/errgroups and the
			// ErrGroupException's message say "pricing", not "task #1".
			Task<Part> details = group.go("details", () -> this.downstream.fetch("details", id));
			Task<Part> pricing = group.go("pricing", () -> this.downstream.fetch("pricing", id));
			Task<Stock> inventory = group.go("inventory", () -> this.inventory.stock(id)); // a JDBC query
			Task<Part> reviews = group.go("reviews", () -> this.downstream.fetch("reviews", id));
			Task<List<Part>> recommendations = group.go("recommendations", () -> recommendations(id));
			Task<Rating> rating = group.go("ratings", () -> this.ratings.fetch(id)); // over gRPC
			group.await(); // throws ErrGroupException: FanOutErrors turns it into 502 or 504
			return new ProductPage(id, details.resultNow(), pricing.resultNow(), inventory.resultNow(),
					reviews.resultNow(), recommendations.resultNow(), rating.resultNow());
		}
	}

	/** A nested group (S14): a child of the product group, cancelled with it. */
	private List<Part> recommendations(String id) {
		try (ErrGroup group = this.groups.newGroup("recommendations")) {
			List<Task<Part>> queries = RECOMMENDATION_QUERIES.stream()
				.map(query -> group.go(query, () -> this.downstream.fetch("recommendations", id, query)))
				.toList();
			group.await();
			return queries.stream().map(Task::resultNow).toList();
		}
	}

	/**
	 * The page, one part per downstream service, the stock from the database.
	 * @param id the product
	 * @param details its description
	 * @param pricing its price
	 * @param inventory its stock, from the database
	 * @param reviews its reviews
	 * @param recommendations one part per recommendation query
	 * @param ratings its rating, from the ratings service over gRPC
	 */
	public record ProductPage(String id, Part details, Part pricing, Stock inventory, Part reviews,
			List<Part> recommendations, Rating ratings) {
	}

}
