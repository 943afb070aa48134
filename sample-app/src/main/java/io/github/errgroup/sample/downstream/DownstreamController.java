package io.github.errgroup.sample.downstream;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

import io.github.errgroup.sample.faults.FaultSwitches;
import jakarta.servlet.http.HttpServletResponse;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;

/**
 * The five simulated back ends, served by the same app so that the sample needs no other service.
 * A service named in the {@value FaultSwitches#FAIL_HEADER} header answers 500 at once; one named in
 * {@value FaultSwitches#SLOW_HEADER} takes {@code sample.downstream.slow} (10 s), writing and flushing
 * a space every {@code sample.downstream.chunk-interval} before its answer (JSON allows whitespace
 * before a value), so that a client that hangs up is noticed here as a failed write.
 */
@RestController
public class DownstreamController {

	private final DownstreamProperties properties;

	private final DownstreamStats stats;

	private final JsonMapper json;

	public DownstreamController(DownstreamProperties properties, DownstreamStats stats, JsonMapper json) {
		this.properties = properties;
		this.stats = stats;
		this.json = json;
	}

	@GetMapping("/downstream/{service}/{id}")
	public void serve(@PathVariable String service, @PathVariable String id,
			@RequestParam(defaultValue = "") String query,
			@RequestHeader(name = FaultSwitches.FAIL_HEADER, defaultValue = "") Set<String> fail,
			@RequestHeader(name = FaultSwitches.SLOW_HEADER, defaultValue = "") Set<String> slow,
			HttpServletResponse response) throws InterruptedException {
		Duration latency = this.properties.getLatency().get(service);
		if (latency == null) {
			throw new ResponseStatusException(HttpStatus.NOT_FOUND, "no downstream service '" + service + "'");
		}
		DownstreamStats.Counters counters = this.stats.of(service);
		counters.started.incrementAndGet();
		if (fail.contains(service)) {
			counters.failed.incrementAndGet();
			throw new ResponseStatusException(HttpStatus.INTERNAL_SERVER_ERROR, service + " failed on purpose");
		}
		response.setContentType(MediaType.APPLICATION_JSON_VALUE);
		try {
			OutputStream out = response.getOutputStream();
			if (slow.contains(service)) {
				long pieces = Math.max(1,
						this.properties.getSlow().toMillis() / this.properties.getChunkInterval().toMillis());
				for (long i = 0; i < pieces; i++) {
					Thread.sleep(this.properties.getChunkInterval().toMillis());
					out.write(' ');
					out.flush(); // a client that left makes this fail
				}
			}
			else {
				Thread.sleep(latency.toMillis());
			}
			out.write(this.json.writeValueAsBytes(new Answer(service, id, query)));
			out.flush();
			counters.completed.incrementAndGet();
		}
		catch (IOException ex) {
			counters.abandoned.incrementAndGet(); // the client closed the connection
		}
	}

	@GetMapping("/downstream/stats")
	public Map<String, Map<String, Long>> stats() {
		return this.stats.snapshot();
	}

	/**
	 * A service's answer.
	 * @param service the service
	 * @param id the product asked about
	 * @param query the sub-query, or empty
	 */
	public record Answer(String service, String id, String query) {
	}

}
