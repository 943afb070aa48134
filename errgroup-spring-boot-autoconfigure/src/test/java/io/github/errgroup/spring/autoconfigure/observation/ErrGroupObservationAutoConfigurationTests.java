package io.github.errgroup.spring.autoconfigure.observation;

import io.github.errgroup.ErrGroup;
import io.github.errgroup.ErrGroupFactory;
import io.github.errgroup.spring.autoconfigure.ErrGroupAutoConfiguration;
import io.github.errgroup.spring.autoconfigure.executor.ErrGroupExecutorAutoConfiguration;
import io.github.errgroup.spring.observation.DefaultGroupObservationConvention;
import io.github.errgroup.spring.observation.ErrGroupObservations;
import io.github.errgroup.spring.observation.ErrGroupObservationsTests;
import io.github.errgroup.spring.observation.GroupObservationContext;
import io.github.errgroup.spring.observation.GroupObservationConvention;
import io.micrometer.common.KeyValues;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

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

	private static void runOneGroup(AssertableApplicationContext context) {
		try (ErrGroup group = context.getBean(ErrGroupFactory.class).newGroup("observed")) {
			group.go(() -> "ok");
			group.await();
		}
	}

}
