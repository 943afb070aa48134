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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import io.github.errgroup.GroupInfo;
import io.github.errgroup.GroupListener;
import io.github.errgroup.Task;
import io.github.errgroup.TaskInfo;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Real servers on random ports, real HTTP clients, and a listener that records what the groups did.
 */
public final class WebTestSupport {

	/** Boot would pick Tomcat for a reactive application too; the reactive tests run on Netty. */
	private static final String NOT_TOMCAT = "spring.autoconfigure.exclude="
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

	/**
	 * Sends a GET on a raw socket and returns the socket, so that the test can hang up mid-request.
	 */
	public static Socket openGet(int port, String path) throws IOException {
		Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
		OutputStream out = socket.getOutputStream();
		out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
			.getBytes(StandardCharsets.US_ASCII));
		out.flush();
		return socket;
	}

	/** Reads what the server answered on a raw socket, up to the end of the stream. */
	public static String readAll(Socket socket) throws IOException {
		InputStream in = socket.getInputStream();
		return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
	}

	/**
	 * Records the groups and tasks by group name: what each group was cancelled with, and each task's
	 * final state, with when it started and finished.
	 */
	public static final class Recorder implements GroupListener {

		private final Map<String, Throwable> causes = new ConcurrentHashMap<>();

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
			this.started.clear();
			this.finished.clear();
			this.groups.clear();
		}

	}

}
