package io.github.errgroup.benchmarks.page;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * The downstream services of the product page: one JDK {@link HttpServer} on a random loopback port,
 * a thread per concurrent request, every service answering after the same {@link #LATENCY} (50 ms,
 * slept), {@code GET /downstream/{service}/{id}?query=...} → {@code {"service":..,"id":..,"query":..}}.
 * Outside Spring and outside the page's Tomcat, so that serving the downstreams costs both pages the
 * same and takes nothing from the page's own threads.
 */
public final class Downstreams implements AutoCloseable {

	/** What every downstream call takes on the server: the page's critical path is one of them. */
	public static final Duration LATENCY = Duration.ofMillis(50);

	private final HttpServer server;

	private final ExecutorService threads;

	private Downstreams(HttpServer server, ExecutorService threads) {
		this.server = server;
		this.threads = threads;
	}

	/**
	 * Starts the services.
	 * @return the running services
	 * @throws IOException if the port cannot be bound
	 */
	public static Downstreams start() throws IOException {
		// The server writes headers and body separately: without TCP_NODELAY, Nagle holds the body until
		// the client's delayed ACK, ~40 ms on Linux, and every call takes ~90 ms instead of 50.
		System.setProperty("sun.net.httpserver.nodelay", "true");
		HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
		ExecutorService threads = Executors.newCachedThreadPool(runnable -> {
			Thread thread = new Thread(runnable, "downstream");
			thread.setDaemon(true);
			return thread;
		});
		server.setExecutor(threads);
		server.createContext("/downstream/", Downstreams::serve);
		server.start();
		return new Downstreams(server, threads);
	}

	/**
	 * Where the services answer.
	 * @return the base URL, {@code http://127.0.0.1:<port>/downstream}
	 */
	public String baseUrl() {
		return "http://" + this.server.getAddress().getAddress().getHostAddress() + ":"
				+ this.server.getAddress().getPort() + "/downstream";
	}

	private static void serve(HttpExchange exchange) throws IOException {
		try (exchange) {
			URI uri = exchange.getRequestURI();
			String[] path = uri.getPath().split("/"); // "", "downstream", service, id
			String query = (uri.getQuery() != null && uri.getQuery().startsWith("query="))
					? uri.getQuery().substring("query=".length()) : "";
			try {
				Thread.sleep(LATENCY.toMillis());
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				exchange.sendResponseHeaders(503, -1);
				return;
			}
			byte[] body = ("{\"service\":\"" + path[2] + "\",\"id\":\"" + path[3] + "\",\"query\":\"" + query + "\"}")
				.getBytes(StandardCharsets.UTF_8);
			exchange.getResponseHeaders().set("Content-Type", "application/json");
			exchange.sendResponseHeaders(200, body.length);
			try (OutputStream out = exchange.getResponseBody()) {
				out.write(body);
			}
		}
	}

	@Override
	public void close() {
		this.server.stop(0);
		this.threads.shutdownNow();
	}

}
