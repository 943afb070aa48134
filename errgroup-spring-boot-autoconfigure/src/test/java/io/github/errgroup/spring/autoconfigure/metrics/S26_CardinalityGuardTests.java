package io.github.errgroup.spring.autoconfigure.metrics;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.github.errgroup.ErrGroup;
import io.github.errgroup.ErrGroupFactory;
import io.github.errgroup.spring.autoconfigure.ErrGroupAutoConfiguration;
import io.github.errgroup.spring.autoconfigure.executor.ErrGroupExecutorAutoConfiguration;
import io.github.errgroup.spring.metrics.ErrGroupMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * S26: group names are tag values, so past {@code errgroup.metrics.max-group-names} distinct names,
 * new names are tagged {@code other}, with one warning.
 */
@ExtendWith(OutputCaptureExtension.class)
class S26_CardinalityGuardTests {

	private static final String WARNING = "is tagged group=other in the errgroup.* meters";

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(TaskExecutionAutoConfiguration.class,
				ErrGroupExecutorAutoConfiguration.class, ErrGroupAutoConfiguration.class,
				ErrGroupMetricsAutoConfiguration.class))
		.withBean(SimpleMeterRegistry.class, SimpleMeterRegistry::new)
		.withPropertyValues("errgroup.metrics.max-group-names=3");

	@Test
	void S26_namesPastTheMaximumAreTaggedOtherWithOneWarning(CapturedOutput output) {
		this.runner.run((context) -> {
			ErrGroupFactory factory = context.getBean(ErrGroupFactory.class);
			for (String name : new String[] { "user-1", "user-2", "user-3", "user-4", "user-5", "user-1", "user-6" }) {
				try (ErrGroup group = factory.newGroup(name)) {
					group.go(() -> name);
					group.await();
				}
			}
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			assertThat(registry.find("errgroup.tasks.spawned").counters())
				.extracting((counter) -> counter.getId().getTag("group"))
				.containsExactlyInAnyOrder("user-1", "user-2", "user-3", ErrGroupMetrics.OTHER);
			assertThat(spawned(registry, "user-1")).as("a name seen before the limit keeps its tag").isEqualTo(2);
			assertThat(spawned(registry, ErrGroupMetrics.OTHER)).isEqualTo(3);
			for (String meter : new String[] { "errgroup.tasks.cancelled", "errgroup.task.duration",
					"errgroup.tasks.active", "errgroup.groups.active", "errgroup.tasks.overdue" }) {
				assertThat(registry.find(meter).meters()).as(meter)
					.extracting((m) -> m.getId().getTag("group"))
					.doesNotContain("user-4", "user-5", "user-6");
			}
			assertThat(output.getOut().split(WARNING, -1)).as("the warning, once").hasSize(2);
			assertThat(output).contains("Group 'user-4' " + WARNING).contains("errgroup.metrics.max-group-names");
		});
	}

	@Test
	void S26_theGaugesOfOtherCountTheOpenGroupsOfEveryNameTaggedOther() {
		this.runner.run((context) -> {
			ErrGroupFactory factory = context.getBean(ErrGroupFactory.class);
			for (String name : new String[] { "a", "b", "c" }) {
				try (ErrGroup group = factory.newGroup(name)) {
					group.await();
				}
			}
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			CountDownLatch running = new CountDownLatch(2);
			CountDownLatch release = new CountDownLatch(1);
			try (ErrGroup d = factory.newGroup("d"); ErrGroup e = factory.newGroup("e")) {
				for (ErrGroup group : new ErrGroup[] { d, e }) {
					group.go(() -> {
						running.countDown();
						release.await();
					});
				}
				assertThat(running.await(30, TimeUnit.SECONDS)).isTrue();
				assertThat(gauge(registry, "errgroup.groups.active", ErrGroupMetrics.OTHER)).isEqualTo(2);
				assertThat(gauge(registry, "errgroup.tasks.active", ErrGroupMetrics.OTHER)).isEqualTo(2);
				assertThat(gauge(registry, "errgroup.groups.active", "a")).isZero();
				release.countDown();
				d.await();
				e.await();
			}
			assertThat(gauge(registry, "errgroup.groups.active", ErrGroupMetrics.OTHER)).isZero();
			assertThat(gauge(registry, "errgroup.tasks.active", ErrGroupMetrics.OTHER)).isZero();
		});
	}

	private static double spawned(MeterRegistry registry, String group) {
		Counter counter = registry.find("errgroup.tasks.spawned").tag("group", group).counter();
		return (counter != null) ? counter.count() : 0;
	}

	private static double gauge(MeterRegistry registry, String name, String group) {
		return registry.get(name).tag("group", group).gauge().value();
	}

}
