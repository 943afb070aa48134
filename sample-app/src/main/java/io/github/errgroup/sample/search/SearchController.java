package io.github.errgroup.sample.search;

import io.github.errgroup.ErrGroup;
import io.github.errgroup.ErrGroupFactory;
import io.github.errgroup.Task;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * A search over twenty shards with at most {@code errgroup.groups.search.limit} (4) lookups at once;
 * the answer reports the highest concurrency it saw.
 */
@RestController
public class SearchController {

	static final int SHARDS = 20;

	private final ErrGroupFactory groups;

	private final int limit;

	public SearchController(ErrGroupFactory groups, @Value("${errgroup.groups.search.limit:0}") int limit) {
		this.groups = groups;
		this.limit = limit;
	}

	@GetMapping("/api/search")
	public Map<String, Object> search(@RequestParam String q) {
		AtomicInteger running = new AtomicInteger();
		AtomicInteger most = new AtomicInteger();
		List<Task<List<String>>> shards = new ArrayList<>();
		Map<String, Object> answer = new LinkedHashMap<>();
		try (ErrGroup group = this.groups.newGroup("search")) {
			for (int shard = 0; shard < SHARDS; shard++) {
				int n = shard;
				shards.add(group.go(() -> {
					most.accumulateAndGet(running.incrementAndGet(), Math::max);
					try {
						return lookUp(n, q);
					}
					finally {
						running.decrementAndGet();
					}
				}));
			}
			answer.put("limit", this.limit);
			group.await();
		}
		List<String> hits = new ArrayList<>();
		shards.forEach(task -> hits.addAll(task.resultNow()));
		answer.put("query", q);
		answer.put("shards", SHARDS);
		answer.put("maxConcurrency", most.get());
		answer.put("hits", hits);
		return answer;
	}

	private static List<String> lookUp(int shard, String query) throws InterruptedException {
		Thread.sleep(20 + ThreadLocalRandom.current().nextInt(40)); // a shard's index lookup
		return (shard % 3 == 0) ? List.of("shard-" + shard + ": " + query) : List.of();
	}

}
