package io.github.errgroup.spring.autoconfigure.web;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.errgroup.GroupContext;
import io.github.errgroup.GroupInfo;
import io.github.errgroup.GroupListener;
import io.github.errgroup.Task;
import io.github.errgroup.TaskInfo;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Real servers on random ports, real HTTP clients, a listener that records what the groups did, and
 * where the tests report what they measured.
 */
public final class WebTestSupport {

	/** Boot would pick Tomcat for a reactive application too; the reactive tests run on Netty. */
	public static final String NOT_TOMCAT = "spring.autoconfigure.exclude="
			+ "org.springframework.boot.tomcat.autoconfigure.reactive.TomcatReactiveWebServerAutoConfiguration";

	private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	private WebTestSupport() {
	}

	/**
	 * Starts an application on a random port: Tomcat for a servlet one, Reactor Netty for a reactive one.
	 */
	public static ConfigurableApplicationContext start(Class<?> configuration, WebApplicationType type,
			String... properties) {
		List<String> all = new ArrayList<>(List.of(properties));
		all.add("server.port=0");
		all.add("spring.main.banner-mode=off");
		all.add("logging.level.root=warn");
		if (type == WebApplicationType.REACTIVE) {
			all.add(NOT_TOMCAT);
		}
		return new SpringApplicationBuilder(configuration).web(type).properties(all.toArray(String[]::new)).run();
	}

	public static int port(ConfigurableApplicationContext context) {
		return ((WebServerApplicationContext) context).getWebServer().getPort();
	}

	public static HttpResponse<String> get(int port, String path, String... headers) throws Exception {
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
			.timeout(Duration.ofSeconds(20));
		for (int i = 0; i < headers.length; i += 2) {
			request.header(headers[i], headers[i + 1]);
		}
		return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
	}

	/** What a test endpoint answers about a context: {@code "<group name>|<ms left to its deadline, or -1>"}. */
	public static String nameAndMillisLeft(GroupContext context) {
		return context.groupName() + "|"
				+ context.deadline().map((d) -> Duration.between(Instant.now(), d).toMillis()).orElse(-1L);
	}

	/**
	 * Sends a GET, with headers given as name and value, on a raw socket and returns the socket, so that
	 * the test can hang up mid-request.
	 */
	public static Socket openGet(int port, String path, String... headers) throws IOException {
		StringBuilder request = new StringBuilder("GET ").append(path)
			.append(" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
		for (int i = 0; i < headers.length; i += 2) {
			request.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
		}
		Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
		OutputStream out = socket.getOutputStream();
		out.write(request.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
		out.flush();
		return socket;
	}

	/** Reads what the server answered on a raw socket, up to the end of the stream. */
	public static String readAll(Socket socket) throws IOException {
		InputStream in = socket.getInputStream();
		return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
	}

	/**
	 * One application for a whole test class, started as {@link #start} does before the class's first
	 * test and closed after its last: {@code @RegisterExtension static final Server server = new Server(...)}.
	 */
	public static final class Server implements BeforeAllCallback, AfterAllCallback {

		private final Class<?> configuration;

		private final WebApplicationType type;

		private final String[] properties;

		private ConfigurableApplicationContext app;

		public Server(Class<?> configuration, WebApplicationType type, String... properties) {
			this.configuration = configuration;
			this.type = type;
			this.properties = properties;
		}

		@Override
		public void beforeAll(ExtensionContext context) {
			this.app = start(this.configuration, this.type, this.properties);
		}

		@Override
		public void afterAll(ExtensionContext context) {
			if (this.app != null) {
				this.app.close();
			}
		}

		public int port() {
			return WebTestSupport.port(this.app);
		}

	}

	/**
	 * Where a test reports what it measured (latencies, counts, what a server answered): DEBUG, which
	 * the tests' {@code logging.level.root=warn} keeps out of the build's output. To see it, run the
	 * tests with {@code -Dlogging.level.errgroup.measurements=debug}.
	 */
	public static Logger measurements(Class<?> test) {
		return LoggerFactory.getLogger("errgroup.measurements." + test.getSimpleName());
	}

	/**
	 * Records the groups and tasks by group name: what each group was cancelled with, how many tasks
	 * were spawned, and each task's final state, with when it started and finished.
	 */
	public static final class Recorder implements GroupListener {

		private final Map<String, Throwable> causes = new ConcurrentHashMap<>();

		private final Map<String, AtomicInteger> spawned = new ConcurrentHashMap<>();

		private final Map<String, List<TaskInfo>> started = new ConcurrentHashMap<>();

		private final Map<String, List<TaskInfo>> finished = new ConcurrentHashMap<>();

		private final Map<String, GroupInfo> groups = new ConcurrentHashMap<>();

		@Override
		public void groupOpened(GroupInfo group) {
			this.groups.put(group.name(), group);
		}

		@Override
		public void groupCancelled(GroupInfo group) {
			this.causes.putIfAbsent(group.name(), group.context().cause());
		}

		@Override
		public void taskSpawned(TaskInfo task) {
			this.spawned.computeIfAbsent(task.group().name(), (n) -> new AtomicInteger()).incrementAndGet();
		}

		@Override
		public void taskStarted(TaskInfo task) {
			this.started.computeIfAbsent(task.group().name(), (n) -> new CopyOnWriteArrayList<>()).add(task);
		}

		@Override
		public void taskFinished(TaskInfo task) {
			this.finished.computeIfAbsent(task.group().name(), (n) -> new CopyOnWriteArrayList<>()).add(task);
		}

		public Throwable cause(String group) {
			return this.causes.get(group);
		}

		public GroupInfo group(String group) {
			return this.groups.get(group);
		}

		public int spawned(String group) {
			AtomicInteger spawned = this.spawned.get(group);
			return (spawned != null) ? spawned.get() : 0;
		}

		public int started(String group) {
			return this.started.getOrDefault(group, List.of()).size();
		}

		/** Tasks of the group that started and have not finished. */
		public int running(String group) {
			return started(group) - (int) this.finished.getOrDefault(group, List.of())
				.stream()
				.filter((t) -> t.startedNanos() != 0)
				.count();
		}

		public List<TaskInfo> finished(String group) {
			return this.finished.getOrDefault(group, List.of());
		}

		public long finishedIn(String group, Task.State state) {
			return finished(group).stream().filter((t) -> t.state() == state).count();
		}

		public void clear() {
			this.causes.clear();
			this.spawned.clear();
			this.started.clear();
			this.finished.clear();
			this.groups.clear();
		}

	}

}
