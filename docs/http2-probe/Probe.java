package probe;

import java.io.IOException;
import java.lang.reflect.Method;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** Scratch probe (not part of the build): what a servlet container tells a request whose HTTP/2 stream is reset. */
@SpringBootApplication
@RestController
public class Probe {

	static final Map<String, Long> starts = new ConcurrentHashMap<>();

	static final Map<String, List<String>> events = new ConcurrentHashMap<>();

	static void event(String id, String what) {
		long ms = (System.nanoTime() - starts.getOrDefault(id, System.nanoTime())) / 1_000_000;
		events.computeIfAbsent(id, (k) -> new CopyOnWriteArrayList<>()).add(ms + "ms " + what);
	}

	static void start(String id, HttpServletRequest request) {
		starts.put(id, System.nanoTime());
		event(id, "start " + request.getProtocol() + " on " + request.getServletContext().getServerInfo());
		try {
			Class<?> scr = Class.forName("org.eclipse.jetty.ee11.servlet.ServletContextRequest");
			Object core = scr.getMethod("getServletContextRequest", ServletRequest.class).invoke(null, request);
			Method add = Class.forName("org.eclipse.jetty.server.Request").getMethod("addFailureListener", Consumer.class);
			add.invoke(core, (Consumer<Throwable>) (t) -> event(id, "jetty Request failure listener: " + t));
			event(id, "jetty failure listener added");
		}
		catch (ClassNotFoundException ex) {
			// Tomcat
		}
		catch (Exception ex) {
			event(id, "could not add jetty failure listener: " + ex);
		}
	}

	@GetMapping("/ping")
	String ping() {
		return "pong";
	}

	@GetMapping("/sync")
	void sync(@RequestParam String id, HttpServletRequest request, HttpServletResponse response) {
		start(id, request);
		Thread thread = Thread.currentThread();
		try {
			Thread.sleep(3000);
			event(id, "slept 3 s, not interrupted");
		}
		catch (InterruptedException ex) {
			event(id, "handler thread interrupted");
		}
		try {
			response.getOutputStream().write("x".getBytes());
			response.flushBuffer();
			event(id, "write+flush after 3 s: ok");
		}
		catch (IOException ex) {
			event(id, "write+flush after 3 s failed: " + ex);
		}
	}

	@GetMapping("/async")
	void async(@RequestParam String id, HttpServletRequest request, HttpServletResponse response) {
		start(id, request);
		var async = request.startAsync();
		async.setTimeout(5000);
		async.addListener(new AsyncListener() {
			public void onComplete(AsyncEvent e) { event(id, "AsyncListener.onComplete"); }
			public void onTimeout(AsyncEvent e) { event(id, "AsyncListener.onTimeout"); async.complete(); }
			public void onError(AsyncEvent e) { event(id, "AsyncListener.onError " + e.getThrowable()); }
			public void onStartAsync(AsyncEvent e) { }
		});
	}

	@GetMapping("/stream")
	void stream(@RequestParam String id, HttpServletRequest request, HttpServletResponse response) throws IOException {
		start(id, request);
		response.setContentType("text/plain");
		for (int i = 0; i < 30; i++) {
			try {
				response.getOutputStream().write(("chunk " + i + "\n").getBytes());
				response.flushBuffer();
			}
			catch (IOException ex) {
				event(id, "write " + i + " failed: " + ex);
				return;
			}
			try {
				Thread.sleep(100);
			}
			catch (InterruptedException ex) {
				event(id, "stream thread interrupted");
				return;
			}
		}
		event(id, "streamed all 30 writes without failure");
	}

	@GetMapping("/events")
	List<String> events(@RequestParam String id) {
		return events.getOrDefault(id, List.of());
	}

	public static void main(String[] args) {
		SpringApplication.run(Probe.class, args);
	}

}
