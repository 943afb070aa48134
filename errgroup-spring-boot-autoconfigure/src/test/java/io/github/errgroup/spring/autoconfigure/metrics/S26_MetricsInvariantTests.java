package io.github.errgroup.spring.autoconfigure.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.github.errgroup.ErrGroup;
import io.github.errgroup.ErrGroupException;
import io.github.errgroup.ErrGroupFactory;
import io.github.errgroup.GroupSpec;
import io.github.errgroup.Task;
import io.github.errgroup.spring.autoconfigure.ErrGroupAutoConfiguration;
import io.github.errgroup.spring.autoconfigure.executor.ErrGroupExecutorAutoConfiguration;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * S26: after a random workload of successes, failures, cancellations and timeouts, read back from
 * the registry, every task is accounted for exactly once: spawned = success + failure + cancelled,
 * per group and in total; the failures carry the right {@code exception} tags; the gauges are back to
 * zero.
 */
class S26_MetricsInvariantTests {

	private static final List<String> NAMES = List.of("catalog", "pricing", "reviews");

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(TaskExecutionAutoConfiguration.class,
				ErrGroupExecutorAutoConfiguration.class, ErrGroupAutoConfiguration.class,
				ErrGroupMetricsAutoConfiguration.class))
		.withBean(SimpleMeterRegistry.class, SimpleMeterRegistry::new)
		.withPropertyValues("errgroup.executor.pool.core-size=4");

	@Test
	@Timeout(120)
	void S26_spawnedEqualsSuccessPlusFailurePlusCancelledAfterARandomWorkload() {
		long seed = System.nanoTime();
		this.runner.run((context) -> {
			ErrGroupFactory factory = context.getBean(ErrGroupFactory.class);
			List<Task<?>> tasks = Collections.synchronizedList(new ArrayList<>());
			// Three owners at once, so groups of different names overlap on the pool.
			ExecutorService owners = Executors.newFixedThreadPool(3);
			try {
				List<Future<?>> done = new ArrayList<>();
				for (int owner = 0; owner < 3; owner++) {
					Random random = new Random(seed + owner);
					done.add(owners.submit(() -> {
						for (int i = 0; i < 60; i++) {
							runRandomGroup(factory, random, tasks);
						}
						return null;
					}));
				}
				for (Future<?> future : done) {
					future.get(100, TimeUnit.SECONDS);
				}
			}
			finally {
				owners.shutdownNow();
				assertThat(owners.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
			}

			MeterRegistry registry = context.getBean(MeterRegistry.class);
			Expected expected = new Expected(tasks);
			String why = "seed " + seed + ", " + expected;
			assertThat(expected.success).as(why).isPositive();
			assertThat(expected.cancelled).as(why).isPositive();
			assertThat(expected.failed).as(why).isNotEmpty();

			long spawned = 0;
			long success = 0;
			long failure = 0;
			long cancelled = 0;
			for (String group : NAMES) {
				long groupSpawned = (long) count(registry, "errgroup.tasks.spawned", group);
				long groupSuccess = timerCount(registry, group, "success");
				long groupFailure = (long) count(registry, "errgroup.tasks.failed", group);
				long groupCancelled = (long) count(registry, "errgroup.tasks.cancelled", group);
				assertThat(groupSpawned).as("group %s: spawned = success + failure + cancelled; %s", group, why)
					.isEqualTo(groupSuccess + groupFailure + groupCancelled);
				assertThat(timerCount(registry, group, "failure")).as(why).isEqualTo(groupFailure);
				assertThat(timerCount(registry, group, "cancelled")).as(why).isEqualTo(groupCancelled);
				spawned += groupSpawned;
				success += groupSuccess;
				failure += groupFailure;
				cancelled += groupCancelled;
			}
			assertThat(spawned).as("spawned, %s", why).isEqualTo(tasks.size());
			assertThat(success).as("success, %s", why).isEqualTo(expected.success);
			assertThat(cancelled).as("cancelled, %s", why).isEqualTo(expected.cancelled);
			assertThat(failure).as("failure, %s", why)
				.isEqualTo(expected.failed.values().stream().mapToLong(Long::longValue).sum());

			Map<String, Long> failedByException = new TreeMap<>();
			for (Counter counter : registry.find("errgroup.tasks.failed").counters()) {
				failedByException.merge(counter.getId().getTag("exception"), (long) counter.count(), Long::sum);
			}
			assertThat(failedByException).as(why).isEqualTo(expected.failed);

			for (String gauge : List.of("errgroup.tasks.active", "errgroup.groups.active", "errgroup.tasks.overdue")) {
				assertThat(registry.find(gauge).gauges()).as(gauge).hasSize(NAMES.size())
					.allSatisfy((g) -> assertThat(g.value()).as("%s %s at rest", gauge, g.getId().getTag("group"))
						.isZero());
			}
			assertThat(registry.find("errgroup.tasks.spawned").counters()).extracting((c) -> c.getId().getTag("group"))
				.containsExactlyInAnyOrderElementsOf(NAMES);
		});
	}

	/**
	 * One group of a random kind, with 1 to 6 tasks of random kinds. Tasks that block until
	 * interrupted go only into groups that a thread outside the pool is sure to cancel: the owner's
	 * {@code cancel()} or {@code close()}, or the deadline timer. A limit goes only where it cannot
	 * hold the owner's {@code go()} behind such a task before it cancels: groups without them, and
	 * groups with a timeout.
	 */
	private static void runRandomGroup(ErrGroupFactory factory, Random random, List<Task<?>> tasks) {
		String name = NAMES.get(random.nextInt(NAMES.size()));
		// 0: awaited (two in five), 1: cancel(), 2: timeout, 3: close() without await() (one in five each)
		int kind = Math.max(0, random.nextInt(5) - 1);
		boolean mayBlock = kind != 0;
		GroupSpec spec = factory.group(name);
		if (kind == 2) {
			spec.timeout(Duration.ofMillis(5 + random.nextInt(30)));
		}
		if ((kind == 0 || kind == 2) && random.nextInt(3) == 0) {
			spec.limit(1 + random.nextInt(3));
		}
		CountDownLatch never = new CountDownLatch(1);
		try (ErrGroup group = spec.open()) {
			int count = 1 + random.nextInt(6);
			for (int i = 0; i < count; i++) {
				int roll = random.nextInt(10); // six in ten succeed, two fail, two block where allowed
				if (roll < 6 || (roll >= 8 && !mayBlock)) {
					tasks.add(group.go(() -> "ok"));
				}
				else if (roll < 8) {
					tasks.add(group.go(failing(random)));
				}
				else {
					tasks.add(group.go(() -> {
						never.await(); // until the group's cancellation interrupts it
						return "unreachable";
					}));
				}
			}
			if (kind == 1) {
				group.cancel(new CancellationException("the test cancelled it"));
			}
			if (kind != 3) {
				try {
					group.await();
				}
				catch (ErrGroupException expected) {
					// the outcome of this group is not what is checked here
				}
			}
		}
	}

	private static Callable<String> failing(Random random) {
		switch (random.nextInt(4)) {
			case 0:
				return () -> {
					throw new IllegalStateException("state");
				};
			case 1:
				return () -> {
					throw new IOException("io");
				};
			case 2:
				return () -> {
					throw new InventoryException();
				};
			default:
				return () -> {
					throw new AssertionError("an Error is a failure like any other (S6)");
				};
		}
	}

	private static double count(MeterRegistry registry, String name, String group) {
		return registry.find(name).tag("group", group).counters().stream().mapToDouble(Counter::count).sum();
	}

	private static long timerCount(MeterRegistry registry, String group, String outcome) {
		Timer timer = registry.find("errgroup.task.duration").tag("group", group).tag("outcome", outcome).timer();
		return (timer != null) ? timer.count() : 0;
	}

	/** What the tasks' own final states say the meters must show. */
	private static final class Expected {

		long success;

		long cancelled;

		final Map<String, Long> failed = new TreeMap<>();

		Expected(List<Task<?>> tasks) {
			synchronized (tasks) {
				for (Task<?> task : tasks) {
					switch (task.state()) {
						case SUCCESS:
							this.success++;
							break;
						case FAILED:
							this.failed.merge(task.exceptionNow().getClass().getSimpleName(), 1L, Long::sum);
							break;
						case CANCELLED:
							this.cancelled++;
							break;
						default:
							throw new AssertionError("task not finished at rest: " + task);
					}
				}
			}
		}

		@Override
		public String toString() {
			return "expected success=" + this.success + ", cancelled=" + this.cancelled + ", failed=" + this.failed;
		}

	}

	static class InventoryException extends RuntimeException {

		private static final long serialVersionUID = 1L;

		InventoryException() {
			super("out of stock");
		}

	}

}
