package io.github.errgroup.spring.autoconfigure.observation;

import java.util.Set;
import java.util.stream.Collectors;

import io.github.errgroup.ErrGroup;
import io.github.errgroup.ErrGroupException;
import io.github.errgroup.ErrGroupFactory;
import io.github.errgroup.spring.autoconfigure.ErrGroupAutoConfiguration;
import io.github.errgroup.spring.autoconfigure.executor.ErrGroupExecutorAutoConfiguration;
import io.github.errgroup.spring.autoconfigure.metrics.ErrGroupMetricsAutoConfiguration;
import io.github.errgroup.spring.observation.DefaultGroupObservationConvention;
import io.github.errgroup.spring.observation.ErrGroupObservations;
import io.github.errgroup.spring.observation.ErrGroupObservationsTests;
import io.github.errgroup.spring.observation.GroupObservationContext;
import io.github.errgroup.spring.observation.GroupObservationConvention;
import io.micrometer.common.KeyValues;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * S27: when groups and tasks are observed (an {@code ObservationRegistry} from Spring Boot, an
 * {@code ErrGroupFactory}) and when they are not.
 */
class ErrGroupObservationAutoConfigurationTests {

	private static final AutoConfigurations ERRGROUP = AutoConfigurations.of(TaskExecutionAutoConfiguration.class,
			ErrGroupExecutorAutoConfiguration.class, ErrGroupAutoConfiguration.class,
			ErrGroupObservationAutoConfiguration.class);

	private final ApplicationContextRunner runner = new ApplicationContextRunner().withConfiguration(ERRGROUP)
		.withConfiguration(AutoConfigurations.of(ObservationAutoConfiguration.class))
		.withBean(ErrGroupObservationsTests.Recorder.class, ErrGroupObservationsTests.Recorder::new);

	/** The S26 meters: every {@code errgroup.*} meter a registry may hold. */
	private static final Set<String> S26_METERS = Set.of("errgroup.tasks.spawned", "errgroup.tasks.failed",
			"errgroup.tasks.cancelled", "errgroup.task.duration", "errgroup.tasks.active", "errgroup.groups.active",
			"errgroup.tasks.overdue");

	/** Boot's metrics and observations together: its DefaultMeterObservationHandler derives meters. */
	private final ApplicationContextRunner withMetrics = this.runner
		.withConfiguration(AutoConfigurations.of(MetricsAutoConfiguration.class,
				SimpleMetricsExportAutoConfiguration.class, CompositeMeterRegistryAutoConfiguration.class,
				ErrGroupMetricsAutoConfiguration.class));

	@Test
	void S26_S27_theObservationsAddNoMeterBesideTheS26Ones() {
		this.withMetrics.run((context) -> {
			runOneFailingGroup(context);
			assertThat(errgroupMeters(context)).isEqualTo(S26_METERS);
			assertBootDerivesMetersFromOtherObservations(context);
		});
	}

	@Test
	void S26_S27_withErrgroupMetricsEnabledFalse_noErrgroupMeterAtAll() {
		this.withMetrics.withPropertyValues("errgroup.metrics.enabled=false").run((context) -> {
			assertThat(context).hasSingleBean(ErrGroupObservations.class);
			runOneFailingGroup(context);
			assertThat(context.getBean(ErrGroupObservationsTests.Recorder.class).named("errgroup.task")).hasSize(2);
			assertThat(errgroupMeters(context)).isEmpty();
			assertBootDerivesMetersFromOtherObservations(context);
		});
	}

	@Test
	void S27_theObservationsWithoutMicrometerCoreOnTheClassPath() {
		this.runner.withClassLoader(new FilteredClassLoader("io.micrometer.core")).run((context) -> {
			assertThat(context).hasNotFailed().hasSingleBean(ErrGroupObservations.class);
			runOneGroup(context);
			assertThat(context.getBean(ErrGroupObservationsTests.Recorder.class).named("errgroup.task")).hasSize(1);
		});
	}

	@Test
	void S27_theFactoryObservesGroupsAndTasksWithBootsObservationRegistry() {
		this.runner.run((context) -> {
			assertThat(context).hasSingleBean(ErrGroupObservations.class);
			runOneGroup(context);
			ErrGroupObservationsTests.Recorder recorder = context.getBean(ErrGroupObservationsTests.Recorder.class);
			assertThat(recorder.named("errgroup.group")).hasSize(1);
			assertThat(recorder.named("errgroup.task")).hasSize(1);
		});
	}

	@Test
	void S27_aConventionBeanReplacesTheDefault() {
		this.runner.withBean(GroupObservationConvention.class, () -> new DefaultGroupObservationConvention() {
			@Override
			public KeyValues getLowCardinalityKeyValues(GroupObservationContext context) {
				return super.getLowCardinalityKeyValues(context).and("team", "checkout");
			}
		}).run((context) -> {
			runOneGroup(context);
			assertThat(context.getBean(ErrGroupObservationsTests.Recorder.class).named("errgroup.group"))
				.singleElement()
				.satisfies((group) -> assertThat(group.getLowCardinalityKeyValue("team").getValue())
					.isEqualTo("checkout"));
		});
	}

	@Test
	void S27_bootsObservationPropertyTurnsThemOff() {
		this.runner.withPropertyValues("management.observations.enable.errgroup=false").run((context) -> {
			runOneGroup(context);
			assertThat(context.getBean(ErrGroupObservationsTests.Recorder.class).stopped).isEmpty();
		});
	}

	@Test
	void S27_offWithErrgroupEnabledFalse() {
		this.runner.withPropertyValues("errgroup.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(ErrGroupObservations.class));
	}

	@Test
	void S27_offWithoutAnObservationRegistry() {
		new ApplicationContextRunner().withConfiguration(ERRGROUP)
			.run((context) -> assertThat(context).hasSingleBean(ErrGroupFactory.class)
				.doesNotHaveBean(ErrGroupObservations.class));
	}

	@Test
	void S27_offWithoutMicrometerObservationOnTheClassPath() {
		new ApplicationContextRunner().withConfiguration(ERRGROUP)
			.withClassLoader(new FilteredClassLoader("io.micrometer.observation"))
			.run((context) -> assertThat(context).hasNotFailed()
				.hasSingleBean(ErrGroupFactory.class)
				.doesNotHaveBean(ErrGroupObservations.class));
	}

	private static Set<String> errgroupMeters(AssertableApplicationContext context) {
		return context.getBean(MeterRegistry.class)
			.getMeters()
			.stream()
			.map((meter) -> meter.getId().getName())
			.filter((name) -> name.startsWith("errgroup."))
			.collect(Collectors.toSet());
	}

	/** The filter denies errgroup's derived meters, not the handler: another observation gets its own. */
	private static void assertBootDerivesMetersFromOtherObservations(AssertableApplicationContext context) {
		Observation.createNotStarted("checkout.step", context.getBean(ObservationRegistry.class)).observe(() -> {
		});
		assertThat(context.getBean(MeterRegistry.class).find("checkout.step").meters()).extracting(Meter::getId)
			.extracting(Meter.Id::getType)
			.contains(Meter.Type.TIMER);
	}

	/** One task succeeds, one fails: every kind of derived meter (timer, long task timer, error tag). */
	private static void runOneFailingGroup(AssertableApplicationContext context) {
		assertThatExceptionOfType(ErrGroupException.class).isThrownBy(() -> {
			try (ErrGroup group = context.getBean(ErrGroupFactory.class).newGroup("observed")) {
				group.go(() -> "ok");
				group.go(() -> {
					throw new IllegalStateException("declined");
				});
				group.await();
			}
		});
	}

	private static void runOneGroup(AssertableApplicationContext context) {
		try (ErrGroup group = context.getBean(ErrGroupFactory.class).newGroup("observed")) {
			group.go(() -> "ok");
			group.await();
		}
	}

}
