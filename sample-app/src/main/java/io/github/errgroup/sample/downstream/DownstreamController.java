package io.github.errgroup.sample.downstream;

import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;

/**
 * The five simulated back ends, served by the same app so that the sample needs no other service.
 * {@code mode=fail} answers 500 at once; {@code mode=slow} takes {@code sample.downstream.slow}
 * (10 s), writing its answer in small flushed pieces, so that a client that hangs up is noticed here
 * as a failed write.
 */
@RestController
public class DownstreamController {

	private final DownstreamProperties properties;

	private final DownstreamStats stats;

	public DownstreamController(DownstreamProperties properties, DownstreamStats stats) {
		this.properties = properties;
		this.stats = stats;
	}

	@GetMapping("/downstream/{service}/{id}")
	public void serve(@PathVariable String service, @PathVariable String id,
			@RequestParam(defaultValue = "ok") String mode, @RequestParam(defaultValue = "") String part,
			HttpServletResponse response) throws IOException, InterruptedException {
		Duration latency = this.properties.getLatency().get(service);
		if (latency == null) {
			throw new ResponseStatusException(HttpStatus.NOT_FOUND, "no downstream service '" + service + "'");
		}
		DownstreamStats.Counters counters = this.stats.of(service);
		counters.started.incrementAndGet();
		if (mode.equals("fail")) {
			counters.failed.incrementAndGet();
			response.sendError(HttpStatus.INTERNAL_SERVER_ERROR.value(), service + " failed on purpose");
			return;
		}
		response.setContentType(MediaType.APPLICATION_JSON_VALUE);
		OutputStream out = response.getOutputStream();
		try {
			out.write(("{\"service\":\"" + service + "\",\"id\":\"" + id + "\",\"part\":\"" + part + "\",\"padding\":\"")
				.getBytes(StandardCharsets.UTF_8));
			if (mode.equals("slow")) {
				long pieces = Math.max(1, this.properties.getSlow().toMillis() / this.properties.getChunkInterval().toMillis());
				for (long i = 0; i < pieces; i++) {
					Thread.sleep(this.properties.getChunkInterval().toMillis());
					out.write('.');
					out.flush(); // a client that left makes this fail
				}
			}
			else {
				Thread.sleep(latency.toMillis());
			}
			out.write("\"}".getBytes(StandardCharsets.UTF_8));
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

}
