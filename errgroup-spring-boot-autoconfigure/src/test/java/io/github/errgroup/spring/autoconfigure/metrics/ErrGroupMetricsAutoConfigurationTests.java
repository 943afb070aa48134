package io.github.errgroup.spring.autoconfigure.metrics;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import io.github.errgroup.ErrGroup;
import io.github.errgroup.ErrGroupFactory;
import io.github.errgroup.spring.autoconfigure.ErrGroupAutoConfiguration;
import io.github.errgroup.spring.autoconfigure.executor.ErrGroupExecutorAutoConfiguration;
import io.github.errgroup.spring.metrics.ErrGroupMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * S26: when the meters are recorded (a {@code MeterRegistry} from Spring Boot's metrics, an
 * {@code ErrGroupFactory}) and when they are not.
 */
class ErrGroupMetricsAutoConfigurationTests {

	private static final AutoConfigurations ERRGROUP = AutoConfigurations.of(TaskExecutionAutoConfiguration.class,
			ErrGroupExecutorAutoConfiguration.class, ErrGroupAutoConfiguration.class,
			ErrGroupMetricsAutoConfiguration.class);

	private static final AutoConfigurations BOOT_METRICS = AutoConfigurations.of(MetricsAutoConfiguration.class,
			SimpleMetricsExportAutoConfiguration.class, CompositeMeterRegistryAutoConfiguration.class);

	private final ApplicationContextRunner runner = new ApplicationContextRunner().withConfiguration(ERRGROUP)
		.withConfiguration(BOOT_METRICS);

	@Test
	void S26_theFactoryRecordsIntoBootsMeterRegistry() {
		this.runner.run((context) -> {
			assertThat(context).hasSingleBean(ErrGroupMetrics.class);
			runOneGroup(context, "orders");
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			assertThat(registry.get("errgroup.tasks.spawned").tag("group", "orders").counter().count()).isEqualTo(2);
			assertThat(registry.get("errgroup.task.duration").tag("group", "orders").tag("outcome", "success")
				.timer().count()).isEqualTo(2);
			assertThat(registry.get("errgroup.groups.active").tag("group", "orders").gauge().value()).isZero();
		});
	}

	@Test
	void S26_offWithErrgroupMetricsEnabledFalse() {
		this.runner.withPropertyValues("errgroup.metrics.enabled=false").run((context) -> {
			assertThat(context).hasSingleBean(ErrGroupFactory.class).doesNotHaveBean(ErrGroupMetrics.class);
			runOneGroup(context, "orders");
			assertThat(context.getBean(MeterRegistry.class).find("errgroup.tasks.spawned").meters()).isEmpty();
		});
	}

	@Test
	void S26_offWithErrgroupEnabledFalse() {
		this.runner.withPropertyValues("errgroup.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(ErrGroupMetrics.class));
	}

	@Test
	void S26_offWithoutAMeterRegistry() {
		new ApplicationContextRunner().withConfiguration(ERRGROUP)
			.run((context) -> assertThat(context).hasSingleBean(ErrGroupFactory.class)
				.doesNotHaveBean(ErrGroupMetrics.class));
	}

	@Test
	void S26_offWithoutMicrometerOnTheClassPath() {
		new ApplicationContextRunner().withConfiguration(ERRGROUP)
			.withClassLoader(new FilteredClassLoader("io.micrometer.core"))
			.run((context) -> assertThat(context).hasNotFailed()
				.hasSingleBean(ErrGroupFactory.class)
				.doesNotHaveBean(ErrGroupMetrics.class));
	}

	@Test
	void S26_anApplicationsOwnErrGroupMetricsWins() {
		SimpleMeterRegistry own = new SimpleMeterRegistry();
		this.runner
			.withBean(ErrGroupMetrics.class, () -> new ErrGroupMetrics(own, List::of, Duration.ofSeconds(5), 10))
			.run((context) -> {
				assertThat(context).hasSingleBean(ErrGroupMetrics.class);
				runOneGroup(context, "orders");
				assertThat(own.get("errgroup.tasks.spawned").counter().count()).isEqualTo(2);
			});
	}

	@Test
	void S23_S26_gaugesReadAfterTheContextClosed_readZero_withoutCreatingTheFactoryAnew() {
		SimpleMeterRegistry outlivesTheContext = new SimpleMeterRegistry();
		new ApplicationContextRunner().withConfiguration(ERRGROUP)
			.withBean("meterRegistry", MeterRegistry.class, () -> outlivesTheContext)
			.run((context) -> {
				CountDownLatch release = new CountDownLatch(1);
				try (ErrGroup group = context.getBean(ErrGroupFactory.class).newGroup("orders")) {
					group.go(() -> release.await());
					assertThat(gauge(outlivesTheContext, "errgroup.groups.active")).isOne();
					release.countDown();
					group.await();
				}
			});
		// Read as a registry that outlives the context, or publishes while it closes, reads them.
		assertThat(gauge(outlivesTheContext, "errgroup.groups.active")).isZero();
		assertThat(gauge(outlivesTheContext, "errgroup.tasks.active")).isZero();
		assertThat(gauge(outlivesTheContext, "errgroup.tasks.overdue")).isZero();
	}

	private static double gauge(MeterRegistry registry, String name) {
		return registry.get(name).tag("group", "orders").gauge().value();
	}

	private static void runOneGroup(AssertableApplicationContext context, String name) {
		try (ErrGroup group = context.getBean(ErrGroupFactory.class).newGroup(name)) {
			group.go(() -> "a");
			group.go(() -> "b");
			group.await();
		}
	}

}
