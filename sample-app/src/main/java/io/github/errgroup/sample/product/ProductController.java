package io.github.errgroup.sample.product;

import io.github.errgroup.ErrGroup;
import io.github.errgroup.ErrGroupFactory;
import io.github.errgroup.Task;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.util.StringUtils;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The product page: five downstream calls in one group. The first failure answers 502 and cancels
 * the others, closing their HTTP connections; the group's profile ({@code errgroup.groups.product.timeout})
 * answers 504 when the page takes too long.
 */
@RestController
public class ProductController {

	static final List<String> SERVICES = List.of("details", "pricing", "inventory", "reviews", "recommendations");

	private static final List<String> RECOMMENDATION_QUERIES = List.of("similar", "bought-together", "trending");

	private final ErrGroupFactory groups;

	private final DownstreamClient downstream;

	public ProductController(ErrGroupFactory groups, DownstreamClient downstream) {
		this.groups = groups;
		this.downstream = downstream;
	}

	@GetMapping("/api/products/{id}")
	public Map<String, Object> product(@PathVariable String id, @RequestParam(defaultValue = "") String fail,
			@RequestParam(defaultValue = "") String slow) {
		Set<String> failing = StringUtils.commaDelimitedListToSet(fail);
		Set<String> slowing = StringUtils.commaDelimitedListToSet(slow);
		Map<String, Task<?>> parts = new LinkedHashMap<>();
		try (ErrGroup group = this.groups.newGroup("product")) {
			for (String service : SERVICES) {
				String mode = failing.contains(service) ? "fail" : slowing.contains(service) ? "slow" : "ok";
				if (service.equals("recommendations")) {
					parts.put(service, group.go(() -> recommendations(id, mode)));
				}
				else {
					parts.put(service, group.go(() -> this.downstream.fetch(service, id, mode, "")));
				}
			}
			group.await();
		}
		Map<String, Object> page = new LinkedHashMap<>();
		page.put("id", id);
		parts.forEach((service, task) -> page.put(service, task.resultNow()));
		return page;
	}

	/** A nested group (S14): a child of the product group, cancelled with it. */
	private List<Map<String, Object>> recommendations(String id, String mode) {
		try (ErrGroup group = this.groups.newGroup("recommendations")) {
			List<Task<Map<String, Object>>> queries = RECOMMENDATION_QUERIES.stream()
				.map(query -> group.go(() -> this.downstream.fetch("recommendations", id, mode, query)))
				.toList();
			group.await();
			return queries.stream().map(Task::resultNow).toList();
		}
	}

}
