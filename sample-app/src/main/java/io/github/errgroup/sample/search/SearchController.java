package io.github.errgroup.sample.search;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.errgroup.ErrGroup;
import io.github.errgroup.ErrGroupFactory;
import io.github.errgroup.Task;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * A search over twenty shards. The group's profile ({@code errgroup.groups.search.limit: 4}) lets at
 * most four lookups run at once; the answer reports the most it saw running at once, counted inside
 * the lookups themselves, whichever thread ran them.
 */
@RestController
public class SearchController {

	static final int SHARDS = 20;

	private final ErrGroupFactory groups;

	public SearchController(ErrGroupFactory groups) {
		this.groups = groups;
	}

	@GetMapping("/api/search")
	public Answer search(@RequestParam String q) {
		AtomicInteger running = new AtomicInteger();
		AtomicInteger most = new AtomicInteger();
		List<Task<List<String>>> shards = new ArrayList<>();
		try (ErrGroup group = this.groups.newGroup("search")) { // profile: errgroup.groups.search.*
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
			group.await();
		}
		List<String> hits = new ArrayList<>();
		shards.forEach(task -> hits.addAll(task.resultNow()));
		return new Answer(q, SHARDS, most.get(), hits);
	}

	private static List<String> lookUp(int shard, String query) throws InterruptedException {
		Thread.sleep(20 + ThreadLocalRandom.current().nextInt(40)); // a shard's index lookup
		return (shard % 3 == 0) ? List.of("shard-" + shard + ": " + query) : List.of();
	}

	/**
	 * A search's answer.
	 * @param query what was searched for
	 * @param shards how many shards were searched
	 * @param maxConcurrency the most lookups that ran at once
	 * @param hits the hits, in shard order
	 */
	public record Answer(String query, int shards, int maxConcurrency, List<String> hits) {
	}

}
