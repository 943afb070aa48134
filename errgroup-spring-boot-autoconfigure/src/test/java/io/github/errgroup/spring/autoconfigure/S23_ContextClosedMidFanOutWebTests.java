package io.github.errgroup.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.github.errgroup.ErrGroup;
import io.github.errgroup.ErrGroupException;
import io.github.errgroup.ErrGroupFactory;
import io.github.errgroup.Task;
import io.github.errgroup.spring.autoconfigure.web.WebTestSupport;
import io.github.errgroup.spring.autoconfigure.web.WebTestSupport.Recorder;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * S23 on a real Tomcat, beyond ErrGroupShutdownLifecycleTests (a group blocked on a plain thread): the
 * application context is closed, from another thread, while a request is in flight whose group has
 * three tasks blocked interruptibly, a nested group blocked the same way, and one task that ignores
 * interrupts until the test releases it. The request's groups are cancelled with the shutdown cause,
 * the interruptible tasks end {@code CANCELLED}, the counts add up (spawned = success + failure +
 * cancelled, in the meters and in a listener), new groups are refused while the close is still
 * under way, the close finishes in bounded time and no thread of {@code errGroupTaskExecutor} is left.
 * With {@code server.shutdown=immediate}, with Boot's default graceful shutdown (the groups are cancelled
 * before it waits for the request), and with {@code errgroup.shutdown.after-graceful-shutdown=true}
 * (its wait comes first, shortened here to 2 s).
 */
@Timeout(180)
class S23_ContextClosedMidFanOutWebTests {

	private static final Logger measured = WebTestSupport.measurements(S23_ContextClosedMidFanOutWebTests.class);

	private static final String POOL = "closing-pool-";

	/** Far above what it takes (a few seconds); what a hang would exceed. */
	private static final Duration BOUNDED = Duration.ofSeconds(60);

	/** Far below Boot's 30 s grace period, which a group cancelled only after graceful shutdown would wait out. */
	private static final Duration PROMPTLY = Duration.ofSeconds(15);

	@Test
	void S23_immediateShutdown_cancelsTheRequestsGroupsAtOnce() throws Exception {
		closeMidFanOut(Duration.ZERO, PROMPTLY, "server.shutdown=immediate");
	}

	/**
	 * With every setting at its default (Boot's graceful shutdown, 30 s per phase), the groups are
	 * cancelled before graceful shutdown waits for the request that is blocked in them.
	 */
	@Test
	void S23_defaultSettings_cancelTheRequestsGroupsBeforeGracefulShutdownWaitsForThem() throws Exception {
		closeMidFanOut(Duration.ZERO, PROMPTLY, "server.shutdown=graceful");
	}

	@Test
	void S23_afterGracefulShutdown_cancelsTheRequestsGroupsOnceTheGracePeriodIsOver() throws Exception {
		closeMidFanOut(Duration.ofSeconds(1), BOUNDED, "errgroup.shutdown.after-graceful-shutdown=true",
				"spring.lifecycle.timeout-per-shutdown-phase=2s");
	}

	private void closeMidFanOut(Duration notBefore, Duration within, String... shutdown) throws Exception {
		String[] properties = java.util.Arrays.copyOf(shutdown, shutdown.length + 1);
		properties[shutdown.length] = "errgroup.executor.thread-name-prefix=" + POOL;
		ConfigurableApplicationContext app = WebTestSupport.start(App.class, WebApplicationType.SERVLET, properties);
		Blocked blocked = app.getBean(Blocked.class);
		try {
			long cancelledAfter = closeMidFanOut(app, blocked, String.join(", ", shutdown));
			assertThat(Duration.ofMillis(cancelledAfter)).as("the groups were cancelled after").isBetween(notBefore,
					within);
		}
		finally {
			blocked.releaseStubborn.countDown();
			app.close(); // when the test failed before its own close; does nothing after it
		}
	}

	private long closeMidFanOut(ConfigurableApplicationContext app, Blocked blocked, String shutdown)
			throws Exception {
		Recorder recorder = app.getBean(Recorder.class);
		MeterRegistry registry = app.getBean(MeterRegistry.class);
		ErrGroupFactory factory = app.getBean(ErrGroupFactory.class);
		HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
		CompletableFuture<HttpResponse<String>> answer = http.sendAsync(
				HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + WebTestSupport.port(app) + "/fan-out"))
					.timeout(BOUNDED)
					.build(),
				HttpResponse.BodyHandlers.ofString());
		assertThat(blocked.running.await(30, TimeUnit.SECONDS)).as("all five tasks running").isTrue();
		assertThat(poolThreads()).isNotEmpty();

		long closing = System.nanoTime();
		long cancelledAfter;
		Thread closer = new Thread(app::close, "closer");
		closer.start();
		try {
			assertThat(blocked.stubbornInterrupted.await(BOUNDED.toSeconds(), TimeUnit.SECONDS)).isTrue();
			cancelledAfter = millisSince(closing);
			// The listener hears of each cancellation on the cancelling thread, maybe after the interrupt.
			await().atMost(BOUNDED).untilAsserted(() -> {
				assertThat(recorder.cause("closing")).isInstanceOf(CancellationException.class)
					.hasMessageContaining("application is shutting down")
					.hasMessageContaining("'closing'");
				assertThat(recorder.cause("closing-nested")).isInstanceOf(CancellationException.class)
					.hasMessageContaining("application is shutting down");
			});
			await().atMost(BOUNDED).until(() -> recorder.finishedIn("closing", Task.State.CANCELLED) == 4);
			assertThat(recorder.finishedIn("closing-nested", Task.State.CANCELLED)).isEqualTo(1);
			assertThat(recorder.running("closing")).as("the stubborn task still runs").isEqualTo(1);
			assertThatIllegalStateException().isThrownBy(() -> factory.newGroup("late"))
				.withMessageContaining("shut down");
			measured.debug("S23 {}: groups cancelled {} ms after close() began", shutdown, cancelledAfter);
		}
		finally {
			blocked.releaseStubborn.countDown();
		}
		closer.join(BOUNDED.toMillis());
		long closed = millisSince(closing);
		assertThat(closer.isAlive()).as("close() still running after %s", BOUNDED).isFalse();
		assertThat(app.isActive()).isFalse();

		assertThat(blocked.outcome.get(BOUNDED.toSeconds(), TimeUnit.SECONDS)).isInstanceOf(ErrGroupException.class)
			.cause()
			.isInstanceOf(CancellationException.class)
			.hasMessageContaining("application is shutting down");
		assertThat(recorder.finishedIn("closing", Task.State.SUCCESS)).isEqualTo(1); // the stubborn one, at last
		for (String group : List.of("closing", "closing-nested")) {
			assertThat(recorder.spawned(group)).as(group).isEqualTo(recorder.finished(group).size())
				.isEqualTo(recorder.finishedIn(group, Task.State.SUCCESS)
						+ recorder.finishedIn(group, Task.State.FAILED) + recorder.finishedIn(group, Task.State.CANCELLED));
			assertThat(spawned(registry, group)).as(group).isEqualTo(recorder.spawned(group))
				.isEqualTo(durations(registry, group, "success") + durations(registry, group, "failure")
						+ durations(registry, group, "cancelled"));
		}
		assertThat(recorder.spawned("closing")).isEqualTo(5);
		assertThat(recorder.finishedIn("closing", Task.State.FAILED)).isZero();
		assertThat(registry.get("errgroup.tasks.active").tag("group", "closing").gauge().value()).isZero();
		assertThat(registry.get("errgroup.groups.active").tag("group", "closing").gauge().value()).isZero();

		await().atMost(BOUNDED).untilAsserted(() -> assertThat(poolThreads()).isEmpty());
		long threadsGone = millisSince(closing);
		String clientGot = answer.handle((response, failure) -> (failure != null) ? failure.toString()
				: Integer.toString(response.statusCode())).get(BOUNDED.toSeconds(), TimeUnit.SECONDS);
		measured.debug("S23 {}: close() returned after {} ms, the last pool thread was gone after {} ms; "
				+ "the client got {}; {} tasks spawned", shutdown, closed, threadsGone, clientGot,
				recorder.spawned("closing") + recorder.spawned("closing-nested"));
		return cancelledAfter;
	}

	private static List<String> poolThreads() {
		return Thread.getAllStackTraces()
			.keySet()
			.stream()
			.filter((thread) -> thread.getName().startsWith(POOL) && thread.isAlive())
			.map(Thread::getName)
			.toList();
	}

	private static long millisSince(long nanos) {
		return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanos);
	}

	private static long spawned(MeterRegistry registry, String group) {
		return (long) registry.find("errgroup.tasks.spawned").tag("group", group).counters().stream()
			.mapToDouble(Counter::count)
			.sum();
	}

	private static long durations(MeterRegistry registry, String group, String outcome) {
		Timer timer = registry.find("errgroup.task.duration").tag("group", group).tag("outcome", outcome).timer();
		return (timer != null) ? timer.count() : 0;
	}

	/** The latches of the request in flight, and how its await ended. */
	static final class Blocked {

		final CountDownLatch running = new CountDownLatch(5);

		final CountDownLatch stubbornInterrupted = new CountDownLatch(1);

		final CountDownLatch releaseStubborn = new CountDownLatch(1);

		final CompletableFuture<Throwable> outcome = new CompletableFuture<>();

	}

	@Configuration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	@Import(FanOut.class)
	static class App {

		@Bean
		Blocked blocked() {
			return new Blocked();
		}

		@Bean
		Recorder recorder() {
			return new Recorder();
		}

		@Bean
		SimpleMeterRegistry meterRegistry() {
			return new SimpleMeterRegistry();
		}

	}

	@RestController
	static class FanOut {

		private final ErrGroupFactory groups;

		private final Blocked blocked;

		FanOut(ErrGroupFactory groups, Blocked blocked) {
			this.groups = groups;
			this.blocked = blocked;
		}

		@GetMapping("/fan-out")
		String fanOut() {
			try (ErrGroup group = this.groups.newGroup("closing")) {
				for (int i = 0; i < 3; i++) {
					group.go(this::blockUntilInterrupted);
				}
				group.go(() -> {
					try (ErrGroup nested = this.groups.newGroup("closing-nested")) {
						nested.go(this::blockUntilInterrupted);
						nested.await();
					}
				});
				group.go(this::ignoreInterruptsUntilReleased);
				group.await();
				this.blocked.outcome.complete(null);
				return "not cancelled";
			}
			catch (RuntimeException ex) {
				this.blocked.outcome.complete(ex);
				throw ex;
			}
		}

		private void blockUntilInterrupted() throws InterruptedException {
			this.blocked.running.countDown();
			new CountDownLatch(1).await();
		}

		/** Bounded: gives up after a minute, so that a failing test cannot leave it behind. */
		private String ignoreInterruptsUntilReleased() {
			this.blocked.running.countDown();
			long giveUp = System.nanoTime() + BOUNDED.toNanos();
			boolean released = false;
			while (!released && System.nanoTime() < giveUp) {
				try {
					released = this.blocked.releaseStubborn.await(giveUp - System.nanoTime(), TimeUnit.NANOSECONDS);
				}
				catch (InterruptedException ex) {
					this.blocked.stubbornInterrupted.countDown(); // the cancellation: ignored
				}
			}
			return "done at last";
		}

	}

}
