package io.github.errgroup.sample.product;

import java.util.List;

import io.github.errgroup.ErrGroup;
import io.github.errgroup.ErrGroupFactory;
import io.github.errgroup.Task;
import io.github.errgroup.sample.product.DownstreamClient.Part;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/**
 * The product page: five downstream calls in one group. The first failure answers 502 and cancels
 * the others, closing their HTTP connections; the group's profile ({@code errgroup.groups.product.timeout})
 * answers 504 when the page takes too long.
 */
@RestController
public class ProductController {

	private static final List<String> RECOMMENDATION_QUERIES = List.of("similar", "bought-together", "trending");

	private final ErrGroupFactory groups;

	private final DownstreamClient downstream;

	public ProductController(ErrGroupFactory groups, DownstreamClient downstream) {
		this.groups = groups;
		this.downstream = downstream;
	}

	@GetMapping("/api/products/{id}")
	public ProductPage product(@PathVariable String id) {
		try (ErrGroup group = this.groups.newGroup("product")) { // profile: errgroup.groups.product.*
			Task<Part> details = group.go(() -> this.downstream.fetch("details", id));
			Task<Part> pricing = group.go(() -> this.downstream.fetch("pricing", id));
			Task<Part> inventory = group.go(() -> this.downstream.fetch("inventory", id));
			Task<Part> reviews = group.go(() -> this.downstream.fetch("reviews", id));
			Task<List<Part>> recommendations = group.go(() -> recommendations(id));
			group.await(); // throws ErrGroupException: FanOutErrors turns it into 502 or 504
			return new ProductPage(id, details.resultNow(), pricing.resultNow(), inventory.resultNow(),
					reviews.resultNow(), recommendations.resultNow());
		}
	}

	/** A nested group (S14): a child of the product group, cancelled with it. */
	private List<Part> recommendations(String id) {
		try (ErrGroup group = this.groups.newGroup("recommendations")) {
			List<Task<Part>> queries = RECOMMENDATION_QUERIES.stream()
				.map(query -> group.go(() -> this.downstream.fetch("recommendations", id, query)))
				.toList();
			group.await();
			return queries.stream().map(Task::resultNow).toList();
		}
	}

	/**
	 * The page, one part per downstream service.
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

}
