package io.github.errgroup.sample.downstream;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * How the simulated downstream services behave.
 */
@ConfigurationProperties("sample.downstream")
public class DownstreamProperties {

	/** The services the product page calls over HTTP, with the latency of each. */
	private Map<String, Duration> latency = new LinkedHashMap<>(Map.of("details", Duration.ofMillis(20), "pricing",
			Duration.ofMillis(30), "reviews", Duration.ofMillis(40), "recommendations", Duration.ofMillis(35)));

	/** How long a service asked to be slow takes to answer; also the inventory query's sleep in the database. */
	private Duration slow = Duration.ofSeconds(10);

	/** How often a slow service writes and flushes a piece of its answer. */
	private Duration chunkInterval = Duration.ofMillis(100);

	public Map<String, Duration> getLatency() {
		return this.latency;
	}

	public void setLatency(Map<String, Duration> latency) {
		this.latency = latency;
	}

	public Duration getSlow() {
		return this.slow;
	}

	public void setSlow(Duration slow) {
		this.slow = slow;
	}

	public Duration getChunkInterval() {
		return this.chunkInterval;
	}

	public void setChunkInterval(Duration chunkInterval) {
		this.chunkInterval = chunkInterval;
	}

}
