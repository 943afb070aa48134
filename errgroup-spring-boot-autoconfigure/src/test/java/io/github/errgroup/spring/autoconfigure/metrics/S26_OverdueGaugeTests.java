package io.github.errgroup.spring.autoconfigure.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.github.errgroup.ErrGroup;
import io.github.errgroup.ErrGroupFactory;
import io.github.errgroup.spring.autoconfigure.ErrGroupAutoConfiguration;
import io.github.errgroup.spring.autoconfigure.executor.ErrGroupExecutorAutoConfiguration;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * S26: {@code errgroup.tasks.overdue} counts the tasks still running longer than
 * {@code errgroup.overdue-threshold} after their group was cancelled: tasks that ignore interrupts.
 */
class S26_OverdueGaugeTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(TaskExecutionAutoConfiguration.class,
				ErrGroupExecutorAutoConfiguration.class, ErrGroupAutoConfiguration.class,
				ErrGroupMetricsAutoConfiguration.class))
		.withBean(SimpleMeterRegistry.class, SimpleMeterRegistry::new);

	@Test
	void S26_aTaskThatIgnoresTheInterruptIsOverdueOnceTheThresholdHasPassed() {
		this.runner.withPropertyValues("errgroup.overdue-threshold=50ms").run((context) -> {
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			CountDownLatch started = new CountDownLatch(1);
			CountDownLatch release = new CountDownLatch(1);
			try (ErrGroup group = context.getBean(ErrGroupFactory.class).newGroup("stubborn")) {
				try {
					group.go(() -> ignoreInterrupts(started, release));
					assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
					assertThat(overdue(registry)).as("not cancelled yet").isZero();
					group.cancel();
					await().atMost(Duration.ofSeconds(30)).until(() -> overdue(registry) == 1);
					assertThat(registry.get("errgroup.tasks.active").tag("group", "stubborn").gauge().value())
						.isOne();
				}
				finally {
					release.countDown(); // else close() waits for ever for a task that ignores interrupts
				}
			}
			assertThat(overdue(registry)).as("at rest").isZero();
		});
	}

	@Test
	void S26_aTaskWithinTheThresholdIsNotOverdue() {
		this.runner.withPropertyValues("errgroup.overdue-threshold=1h").run((context) -> {
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			CountDownLatch started = new CountDownLatch(1);
			CountDownLatch release = new CountDownLatch(1);
			try (ErrGroup group = context.getBean(ErrGroupFactory.class).newGroup("stubborn")) {
				try {
					group.go(() -> ignoreInterrupts(started, release));
					assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
					group.cancel();
					assertThat(registry.get("errgroup.tasks.active").tag("group", "stubborn").gauge().value())
						.isOne();
					assertThat(overdue(registry)).isZero();
				}
				finally {
					release.countDown();
				}
			}
		});
	}

	private static String ignoreInterrupts(CountDownLatch started, CountDownLatch release) {
		started.countDown();
		boolean interrupted = false;
		while (true) {
			try {
				release.await();
				break;
			}
			catch (InterruptedException ex) {
				interrupted = true; // the cancellation: ignored, as a badly behaved task does
			}
		}
		if (interrupted) {
			Thread.currentThread().interrupt();
		}
		return "done at last";
	}

	private static double overdue(MeterRegistry registry) {
		return registry.get("errgroup.tasks.overdue").tag("group", "stubborn").gauge().value();
	}

}
