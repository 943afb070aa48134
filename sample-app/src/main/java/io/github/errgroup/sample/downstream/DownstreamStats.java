package io.github.errgroup.sample.downstream;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.stereotype.Component;

/**
 * Per downstream service: calls started, completed, failed on purpose, and abandoned by their client.
 * "Abandoned" is counted server-side, when writing the answer fails because the client closed the
 * connection: the proof that cancellation reached the wire.
 */
@Component
public class DownstreamStats {

	private final Map<String, Counters> services = new ConcurrentHashMap<>();

	Counters of(String service) {
		return this.services.computeIfAbsent(service, s -> new Counters());
	}

	/**
	 * A snapshot, by service name.
	 * @return counters per service
	 */
	public Map<String, Map<String, Long>> snapshot() {
		Map<String, Map<String, Long>> result = new TreeMap<>();
		this.services.forEach((service, c) -> result.put(service, Map.of("started", c.started.get(), "completed",
				c.completed.get(), "failed", c.failed.get(), "abandoned", c.abandoned.get())));
		return result;
	}

	static final class Counters {

		final AtomicLong started = new AtomicLong();

		final AtomicLong completed = new AtomicLong();

		final AtomicLong failed = new AtomicLong();

		final AtomicLong abandoned = new AtomicLong();

	}

}
