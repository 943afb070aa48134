package io.github.errgroup.spring.autoconfigure.actuate;

import io.github.errgroup.ErrGroup;
import io.github.errgroup.ErrGroupFactory;
import io.github.errgroup.spring.actuate.ErrGroupsEndpoint;
import io.github.errgroup.spring.autoconfigure.ErrGroupAutoConfiguration;
import io.github.errgroup.spring.autoconfigure.executor.ErrGroupExecutorAutoConfiguration;
import org.junit.jupiter.api.Test;

import org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.endpoint.web.WebEndpointAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * S28: the {@code errgroups} endpoint exists once exposed, as Spring Boot's own endpoints do, and
 * shows the groups of every {@code ErrGroupFactory} bean.
 */
class ErrGroupsEndpointAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(TaskExecutionAutoConfiguration.class,
				ErrGroupExecutorAutoConfiguration.class, ErrGroupAutoConfiguration.class,
				EndpointAutoConfiguration.class, WebEndpointAutoConfiguration.class,
				ErrGroupsEndpointAutoConfiguration.class));

	@Test
	void S28_notThereUntilExposed() {
		this.runner.run((context) -> assertThat(context).doesNotHaveBean(ErrGroupsEndpoint.class));
	}

	@Test
	void S28_thereOnceExposedOverHttp() {
		this.runner.withPropertyValues("management.endpoints.web.exposure.include=errgroups")
			.run((context) -> assertThat(context).hasSingleBean(ErrGroupsEndpoint.class));
	}

	@Test
	void S28_offWithErrgroupEnabledFalse() {
		this.runner.withPropertyValues("management.endpoints.web.exposure.include=errgroups", "errgroup.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(ErrGroupsEndpoint.class));
	}

	@Test
	void S28_offWithoutTheActuatorOnTheClassPath() {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(TaskExecutionAutoConfiguration.class,
					ErrGroupExecutorAutoConfiguration.class, ErrGroupAutoConfiguration.class,
					ErrGroupsEndpointAutoConfiguration.class))
			.withClassLoader(new FilteredClassLoader("org.springframework.boot.actuate"))
			.withPropertyValues("management.endpoints.web.exposure.include=errgroups")
			.run((context) -> assertThat(context).hasNotFailed()
				.hasSingleBean(ErrGroupFactory.class)
				.doesNotHaveBean(ErrGroupsEndpoint.class));
	}

	@Test
	void S28_showsTheGroupsOfAnApplicationsOwnFactory() {
		this.runner.withPropertyValues("management.endpoints.web.exposure.include=errgroups")
			.withBean("ownFactory", ErrGroupFactory.class, () -> ErrGroupFactory.create(Runnable::run))
			.run((context) -> {
				ErrGroupFactory own = context.getBean(ErrGroupFactory.class);
				try (ErrGroup group = own.newGroup("own")) {
					assertThat(context.getBean(ErrGroupsEndpoint.class).errGroups().getGroups()).singleElement()
						.satisfies((descriptor) -> assertThat(descriptor.getName()).isEqualTo("own"));
					group.await();
				}
			});
	}

}
