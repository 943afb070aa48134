package io.github.errgroup.spring.autoconfigure.bareapp;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.errgroup.ErrGroup;
import io.github.errgroup.ErrGroupFactory;
import io.github.errgroup.spring.web.reactive.ReactiveErrGroups;
import reactor.core.publisher.Mono;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication.Type;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.stereotype.Component;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * A bare application for the fresh-JVM shutdown test (S36): the starter with default settings and no
 * exception handling of its own (no {@code @ExceptionHandler}, no {@code @ControllerAdvice}). Run by
 * {@code S36_FreshJvmShutdownTests} in a child JVM with {@code --spring.main.web-application-type},
 * {@code --server.port=0}, {@code --bare.dir} (where it writes {@code port} once the server listens,
 * and {@code inside} once {@code --bare.expected} requests are blocked in their groups) and
 * {@code --bare.expected}.
 */
@SpringBootApplication
public class BareApplication {

	/**
	 * Starts the application.
	 * @param args Spring Boot's command-line properties
	 */
	public static void main(String[] args) {
		SpringApplication.run(BareApplication.class, args);
	}

	/** Writes files atomically, so that the test never reads half of one. */
	static void write(Path dir, String name, String content) {
		try {
			Path partial = Files.writeString(dir.resolve(name + ".partial"), content);
			Files.move(partial, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	@Component
	static class PortFile implements ApplicationListener<WebServerInitializedEvent> {

		private final Path dir;

		PortFile(@Value("${bare.dir}") Path dir) {
			this.dir = dir;
		}

		@Override
		public void onApplicationEvent(WebServerInitializedEvent event) {
			write(this.dir, "port", Integer.toString(event.getWebServer().getPort()));
		}

	}

	/** Counts the requests blocked in their group; the last one in writes the {@code inside} marker. */
	@Component
	static class Inside {

		private final Path dir;

		private final int expected;

		private final AtomicInteger arrived = new AtomicInteger();

		Inside(@Value("${bare.dir}") Path dir, @Value("${bare.expected}") int expected) {
			this.dir = dir;
			this.expected = expected;
		}

		/** Blocks the calling task until its group is cancelled. */
		Object block() throws InterruptedException {
			if (this.arrived.incrementAndGet() == this.expected) {
				write(this.dir, "inside", Integer.toString(this.expected));
			}
			new CountDownLatch(1).await(); // until the shutdown's cancellation interrupts it
			return "never";
		}

	}

	@RestController
	@ConditionalOnWebApplication(type = Type.SERVLET)
	static class ServletEndpoint {

		private final ErrGroupFactory groups;

		private final Inside inside;

		ServletEndpoint(ErrGroupFactory groups, Inside inside) {
			this.groups = groups;
			this.inside = inside;
		}

		@GetMapping("/blocked")
		String blocked() throws InterruptedException {
			try (ErrGroup group = this.groups.newGroup("blocked")) {
				group.go(this.inside::block);
				group.await();
			}
			return "done";
		}

	}

	@RestController
	@ConditionalOnWebApplication(type = Type.REACTIVE)
	static class ReactiveEndpoint {

		private final ReactiveErrGroups groups;

		private final Inside inside;

		ReactiveEndpoint(ReactiveErrGroups groups, Inside inside) {
			this.groups = groups;
			this.inside = inside;
		}

		@GetMapping("/blocked")
		Mono<String> blocked() {
			return this.groups.mono("blocked", (group) -> {
				group.go(this.inside::block);
				return () -> "done";
			});
		}

	}

}
