package io.github.errgroup.spring.autoconfigure.observation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import io.github.errgroup.ErrGroup;
import io.github.errgroup.ErrGroupFactory;
import io.github.errgroup.spring.ErrGroupFactoryBuilderCustomizer;
import io.github.errgroup.spring.autoconfigure.executor.ErrGroupExecutorAutoConfiguration;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.tracing.exporter.FinishedSpan;
import io.micrometer.tracing.test.simple.SimpleSpan;
import io.micrometer.tracing.test.simple.SimpleTracer;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * S27 with Micrometer Tracing (its test {@link SimpleTracer}, through Spring Boot's tracing
 * auto-configuration) on a real server: the request's span is the parent of the group's span, each
 * task's span is the group's child whichever thread ran it, including the awaiting thread, and what
 * a task's body observes is the task's child.
 */
@SpringBootTest(classes = S27_TracingTests.Application.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class S27_TracingTests {

	/** The traces, at DEBUG: {@code -Dlogging.level.io.github.errgroup.spring=DEBUG} shows them. */
	private static final Log logger = LogFactory.getLog(S27_TracingTests.class);

	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	@LocalServerPort
	private int port;

	@Autowired
	private SimpleTracer tracer;

	@Test
	@Timeout(60)
	void S27_S38_requestToGroupToTaskSpans_tasksOnThePool_andANestedGroupUnderItsTask_namedTasksByName() throws Exception {
		String threads = get("/fanout");
		assertThat(threads.split(",")).as("two tasks met, so at least one ran on the pool")
			.anyMatch((thread) -> thread.startsWith("errgroup-"));

		List<SimpleSpan> trace = traceOf("/fanout");
		SimpleSpan request = one(trace, "http get /fanout");
		SimpleSpan group = one(trace, "group fanout");
		List<SimpleSpan> tasks = all(trace, "task fanout");
		assertThat(group.getParentId()).as("the group's parent is the request").isEqualTo(request.getSpanId());
		assertThat(tasks).hasSize(2)
			.allSatisfy((task) -> assertThat(task.getParentId()).as("a task's parent is its group")
				.isEqualTo(group.getSpanId()));
		Set<String> taskIds = tasks.stream().map(SimpleSpan::getSpanId).collect(Collectors.toSet());
		List<SimpleSpan> calls = all(trace, "downstream.call");
		assertThat(calls).hasSize(2)
			.allSatisfy((call) -> assertThat(call.getParentId()).as("a call made in a task is the task's child")
				.isIn(taskIds));
		assertThat(calls).extracting(SimpleSpan::getParentId).doesNotHaveDuplicates();

		SimpleSpan nested = one(trace, "group fanout-nested");
		assertThat(nested.getParentId()).as("a group opened in a task is the task's child").isIn(taskIds);
		SimpleSpan named = one(trace, "task similar");
		assertThat(named.getParentId()).isEqualTo(nested.getSpanId());
		assertThat(named.getTags()).as("S38: the span is named after the task, and carries its name")
			.containsEntry("errgroup.task.name", "similar")
			.containsEntry("group", "fanout-nested");

		assertThat(group.getTags()).containsEntry("group", "fanout").containsEntry("outcome", "success");
		assertThat(tasks).allSatisfy((task) -> assertThat(task.getTags()).containsEntry("group", "fanout")
			.containsEntry("outcome", "success")
			.containsEntry("exception", "none"));
	}

	@Test
	@Timeout(60)
	void S27_aTaskRunByTheAwaitingThreadIsStillTheGroupsChild_andTheRequestIsCurrentAgainAfterIt() throws Exception {
		String[] threads = get("/waiter").split(",");
		String requestThread = threads[0];
		assertThat(threads).as("the executor rejected every task, so the awaiting request thread ran them")
			.hasSize(3)
			.containsOnly(requestThread);

		List<SimpleSpan> trace = traceOf("/waiter");
		SimpleSpan request = one(trace, "http get /waiter");
		SimpleSpan group = one(trace, "group waiter");
		List<SimpleSpan> tasks = all(trace, "task waiter");
		assertThat(group.getParentId()).isEqualTo(request.getSpanId());
		assertThat(tasks).hasSize(2)
			.allSatisfy((task) -> assertThat(task.getParentId()).isEqualTo(group.getSpanId()));
		Set<String> taskIds = tasks.stream().map(SimpleSpan::getSpanId).collect(Collectors.toSet());
		assertThat(all(trace, "downstream.call")).hasSize(2)
			.allSatisfy((call) -> assertThat(call.getParentId()).isIn(taskIds));
		assertThat(one(trace, "after.await").getParentId())
			.as("the task's scope was closed on the waiter: the request's observation is current again")
			.isEqualTo(request.getSpanId());
		assertThat(tasks).extracting((task) -> task.getTags().get("outcome"))
			.containsExactlyInAnyOrder("success", "failure");
		assertThat(group.getTags()).containsEntry("outcome", "failure");
		assertThat(group.getError()).isInstanceOf(IllegalStateException.class).hasMessage("no stock");
	}

	private String get(String path) throws Exception {
		HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + path))
			.timeout(Duration.ofSeconds(30))
			.build();
		HttpResponse<String> response = this.http.send(request, HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
		return response.body();
	}

	/**
	 * The spans of the trace of the request to {@code path}, once its server span has ended: the
	 * server ends it after the response is written, so it may still be open when the client has it.
	 */
	private List<SimpleSpan> traceOf(String path) {
		String name = "http get " + path;
		SimpleSpan request = await().atMost(Duration.ofSeconds(30))
			.until(() -> this.tracer.getSpans()
				.stream()
				.filter((span) -> name.equals(span.getName()) && span.getEndTimestamp().isAfter(Instant.EPOCH))
				.findFirst()
				.orElse(null), (span) -> span != null);
		List<SimpleSpan> trace = this.tracer.getSpans()
			.stream()
			.filter((span) -> span.getTraceId().equals(request.getTraceId()))
			.toList();
		if (logger.isDebugEnabled()) {
			logger.debug(trace.stream()
				.map((span) -> span.getName() + " " + span.getSpanId() + " <- " + span.getParentId() + " "
						+ span.getTags())
				.collect(Collectors.joining("\n  ", "S27 trace of " + path + ":\n  ", "")));
		}
		assertThat(trace).as("every span of the trace has ended")
			.allSatisfy((span) -> assertThat(span.getEndTimestamp()).isAfter(Instant.EPOCH));
		return trace;
	}

	private static SimpleSpan one(List<SimpleSpan> trace, String name) {
		List<SimpleSpan> spans = all(trace, name);
		assertThat(spans).as("spans named '%s'", name).hasSize(1);
		return spans.get(0);
	}

	private static List<SimpleSpan> all(List<SimpleSpan> trace, String name) {
		return trace.stream().filter((span) -> name.equals(span.getName())).toList();
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	@Import(FanOutController.class)
	static class Application {

		/** Micrometer Tracing's in-memory tracer; Spring Boot adds its observation handler. */
		@Bean
		SimpleTracer tracer() {
			return new SimpleTracer();
		}

		/** The executor, except that it rejects every task submitted while a request asks it to. */
		@Bean
		ErrGroupFactoryBuilderCustomizer rejectWhenAsked(
				@Qualifier(ErrGroupExecutorAutoConfiguration.TASK_EXECUTOR_BEAN_NAME) Executor pool) {
			return (builder) -> builder.executor((task) -> {
				if (FanOutController.REJECT.get()) {
					throw new RejectedExecutionException("this request's tasks must run on the awaiting thread");
				}
				pool.execute(task);
			});
		}

	}

	@RestController
	static class FanOutController {

		/** Set on the request thread, which is where {@code go()} hands tasks to the executor. */
		static final ThreadLocal<Boolean> REJECT = ThreadLocal.withInitial(() -> false);

		private final ErrGroupFactory groups;

		private final ObservationRegistry observations;

		FanOutController(ErrGroupFactory groups, ObservationRegistry observations) {
			this.groups = groups;
			this.observations = observations;
		}

		/** Two tasks that meet, so they run side by side; the first opens a nested group. */
		@GetMapping("/fanout")
		String fanOut() throws Exception {
			Map<Integer, String> threads = new ConcurrentHashMap<>();
			CountDownLatch bothRunning = new CountDownLatch(2);
			try (ErrGroup group = this.groups.newGroup("fanout")) {
				for (int i = 0; i < 2; i++) {
					int index = i;
					group.go(() -> {
						threads.put(index, Thread.currentThread().getName());
						bothRunning.countDown();
						bothRunning.await(30, TimeUnit.SECONDS);
						call();
						if (index == 0) {
							try (ErrGroup nested = this.groups.newGroup("fanout-nested")) {
								nested.go("similar", () -> "nested"); // S38: a named task
								nested.await();
							}
						}
					});
				}
				group.await();
			}
			return threads.get(0) + "," + threads.get(1);
		}

		/**
		 * The executor rejects both tasks: the request thread, awaiting, runs them, newest first; the
		 * older one fails, after the other has run.
		 */
		@GetMapping("/waiter")
		String waiter() {
			Map<Integer, String> threads = new ConcurrentHashMap<>();
			REJECT.set(true);
			try (ErrGroup group = this.groups.newGroup("waiter")) {
				group.go(() -> {
					threads.put(0, Thread.currentThread().getName());
					call();
					throw new IllegalStateException("no stock");
				});
				group.go(() -> {
					threads.put(1, Thread.currentThread().getName());
					call();
				});
				REJECT.set(false);
				try {
					group.await();
				}
				catch (RuntimeException expected) {
					// the failing task's; what matters here is where the spans hang
				}
			}
			finally {
				REJECT.remove();
			}
			Observation.createNotStarted("after.await", this.observations).observe(() -> {
			});
			return Thread.currentThread().getName() + "," + threads.get(0) + "," + threads.get(1);
		}

		/** Stands for an outgoing call made by the task, observed as a client library would. */
		private void call() {
			Observation.createNotStarted("downstream.call", this.observations).observe(() -> {
			});
		}

	}

}
