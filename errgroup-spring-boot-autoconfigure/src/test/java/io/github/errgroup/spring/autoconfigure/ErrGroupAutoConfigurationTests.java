package io.github.errgroup.spring.autoconfigure;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.github.errgroup.ErrGroup;
import io.github.errgroup.ErrGroupException;
import io.github.errgroup.ErrGroupFactory;
import io.github.errgroup.GroupCustomizer;
import io.github.errgroup.GroupInfo;
import io.github.errgroup.GroupListener;
import io.github.errgroup.Task;
import io.github.errgroup.TaskInfo;
import io.github.errgroup.spring.ErrGroupFactoryBuilderCustomizer;
import io.github.errgroup.spring.autoconfigure.context.ErrGroupContextPropagationAutoConfiguration;
import io.github.errgroup.spring.autoconfigure.executor.ErrGroupExecutorAutoConfiguration;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.core.task.TaskDecorator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The factory bean, its back-off and {@code errgroup.enabled} (S18), group profiles (S20), and the
 * beans the factory is built from: listeners, customizers and task decorators (S22).
 */
class ErrGroupAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ErrGroupExecutorAutoConfiguration.class,
				ErrGroupAutoConfiguration.class, ErrGroupContextPropagationAutoConfiguration.class,
				TaskExecutionAutoConfiguration.class));

	@Test
	void S18_factoryBeanRunsTasksOnTheErrGroupExecutor() {
		this.runner.run((context) -> {
			assertThat(context).hasSingleBean(ErrGroupFactory.class);
			ErrGroupFactory factory = context.getBean(ErrGroupFactory.class);
			CountDownLatch ran = new CountDownLatch(1);
			try (ErrGroup group = factory.newGroup("s18")) {
				Task<String> thread = group.go(() -> {
					ran.countDown();
					return Thread.currentThread().getName();
				});
				assertThat(ran.await(30, TimeUnit.SECONDS)).isTrue(); // on the pool, not on this waiter
				group.await();
				assertThat(thread.resultNow()).startsWith("errgroup-");
			}
		});
	}

	@Test
	void S18_userFactoryMakesItBackOff() {
		this.runner.withUserConfiguration(UserFactoryConfiguration.class).run((context) -> {
			assertThat(context).hasSingleBean(ErrGroupFactory.class);
			assertThat(context.getBean(ErrGroupFactory.class)).isSameAs(UserFactoryConfiguration.FACTORY);
			assertThat(context).doesNotHaveBean("errGroupFactory");
		});
	}

	@Test
	void S18_enabledFalseTurnsEverythingOff() {
		this.runner.withPropertyValues("errgroup.enabled=false").run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context).doesNotHaveBean(ErrGroupFactory.class);
			assertThat(context).doesNotHaveBean(ErrGroupExecutorAutoConfiguration.TASK_EXECUTOR_BEAN_NAME);
			assertThat(context).doesNotHaveBean(ErrGroupShutdownLifecycle.class);
			assertThat(context).doesNotHaveBean(ErrGroupFactoryBuilderCustomizer.class);
			assertThat(context).doesNotHaveBean(ErrGroupProperties.class);
			assertThat(context).hasBean("applicationTaskExecutor");
		});
	}

	@Test
	void S20_defaultsApplyToEveryGroup() {
		this.runner.withPropertyValues("errgroup.defaults.limit=4", "errgroup.defaults.timeout=1h").run((context) -> {
			ErrGroupFactory factory = context.getBean(ErrGroupFactory.class);
			Instant before = Instant.now();
			try (ErrGroup group = factory.newGroup("any")) {
				assertThat(limitOf(factory, group)).hasValue(4);
				assertThat(group.context().deadline()).hasValueSatisfying((deadline) -> assertThat(deadline)
					.isAfterOrEqualTo(before.plus(Duration.ofHours(1))).isBefore(Instant.now().plus(Duration.ofHours(2))));
			}
		});
	}

	@Test
	void S20_noProfileMeansNoLimitAndNoDeadline() {
		this.runner.run((context) -> {
			ErrGroupFactory factory = context.getBean(ErrGroupFactory.class);
			try (ErrGroup group = factory.newGroup("plain")) {
				assertThat(limitOf(factory, group)).isEmpty();
				assertThat(group.context().deadline()).isEmpty();
			}
		});
	}

	@Test
	void S20_namedProfileOverridesTheDefaultsSettingBySetting() {
		this.runner
			.withPropertyValues("errgroup.defaults.limit=4", "errgroup.defaults.timeout=1h",
					"errgroup.groups.search.limit=2")
			.run((context) -> {
				ErrGroupFactory factory = context.getBean(ErrGroupFactory.class);
				try (ErrGroup search = factory.group("search").open(); ErrGroup other = factory.newGroup("other")) {
					assertThat(limitOf(factory, search)).hasValue(2);
					assertThat(search.context().deadline()).isPresent(); // the default timeout still applies
					assertThat(limitOf(factory, other)).hasValue(4);
				}
			});
	}

	@Test
	void S20_groupNamesInBracketsMatchExactly() {
		this.runner.withPropertyValues("errgroup.groups.[user.Profile].limit=3").run((context) -> {
			ErrGroupFactory factory = context.getBean(ErrGroupFactory.class);
			try (ErrGroup group = factory.newGroup("user.Profile")) {
				assertThat(limitOf(factory, group)).hasValue(3);
			}
		});
	}

	@Test
	void S20_groupNamesWithUpperCaseMatchWithoutBrackets() {
		// Relaxed binding turns the key into "userprofile" (as ERRGROUP_GROUPS_USERPROFILE_LIMIT would).
		this.runner.withPropertyValues("errgroup.groups.userProfile.limit=3").run((context) -> {
			ErrGroupFactory factory = context.getBean(ErrGroupFactory.class);
			try (ErrGroup group = factory.newGroup("userProfile")) {
				assertThat(limitOf(factory, group)).hasValue(3);
			}
		});
	}

	@Test
	void S20_groupNamesMatchAnEnvironmentVariableIgnoringCase() {
		// ERRGROUP_GROUPS_USERPROFILE_LIMIT binds the key "userprofile".
		this.runner.withInitializer((context) -> context.getEnvironment().getPropertySources().replace(
				StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
				new SystemEnvironmentPropertySource(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
						Map.of("ERRGROUP_GROUPS_USERPROFILE_LIMIT", "3"))))
			.run((context) -> {
				ErrGroupFactory factory = context.getBean(ErrGroupFactory.class);
				try (ErrGroup group = factory.newGroup("userProfile")) {
					assertThat(limitOf(factory, group)).hasValue(3);
				}
			});
	}

	@Test
	void S20_explicitGroupSpecCallsWin() {
		this.runner.withPropertyValues("errgroup.groups.search.limit=2", "errgroup.groups.search.timeout=1ms")
			.run((context) -> {
				ErrGroupFactory factory = context.getBean(ErrGroupFactory.class);
				Instant before = Instant.now();
				try (ErrGroup group = factory.group("search").limit(7).timeout(Duration.ofHours(1)).open()) {
					assertThat(limitOf(factory, group)).hasValue(7);
					assertThat(group.context().deadline()).hasValueSatisfying(
							(deadline) -> assertThat(deadline).isAfterOrEqualTo(before.plus(Duration.ofHours(1))));
					assertThat(group.context().isCancelled()).isFalse();
				}
			});
	}

	@Test
	void S20_profileTimeoutCancelsTheGroupWithATimeoutException() {
		this.runner.withPropertyValues("errgroup.groups.slow.timeout=200ms").run((context) -> {
			ErrGroupFactory factory = context.getBean(ErrGroupFactory.class);
			try (ErrGroup group = factory.newGroup("slow")) {
				group.go(() -> new CountDownLatch(1).await()); // until interrupted by the timeout
				assertThatThrownBy(group::await).isInstanceOf(ErrGroupException.class)
					.cause()
					.isInstanceOf(TimeoutException.class);
			}
		});
	}

	@Test
	void S20_groupCustomizerBeansApplyAfterTheProfiles() {
		this.runner.withPropertyValues("errgroup.defaults.limit=4")
			.withBean(GroupCustomizer.class, () -> (name, spec) -> spec.limit(5))
			.run((context) -> {
				ErrGroupFactory factory = context.getBean(ErrGroupFactory.class);
				try (ErrGroup group = factory.newGroup("x")) {
					assertThat(limitOf(factory, group)).hasValue(5);
				}
			});
	}

	@Test
	void S18_groupListenerBeansSeeEveryTask() {
		List<String> events = new CopyOnWriteArrayList<>();
		GroupListener listener = new GroupListener() {
			@Override
			public void taskFinished(TaskInfo task) {
				events.add("finished " + task.state());
			}
		};
		this.runner.withBean(GroupListener.class, () -> listener).run((context) -> {
			try (ErrGroup group = context.getBean(ErrGroupFactory.class).newGroup("listened")) {
				group.go(() -> 1);
				group.await();
			}
			assertThat(events).containsExactly("finished SUCCESS");
		});
	}

	@Test
	void S22_taskDecoratorBeansWrapEachTaskOnceInOrderWhicheverThreadRunsIt() {
		this.runner.withUserConfiguration(DecoratorConfiguration.class)
			.withPropertyValues("errgroup.executor.pool.core-size=1", "errgroup.executor.pool.max-size=1")
			.run((context) -> {
				ErrGroupFactory factory = context.getBean(ErrGroupFactory.class);
				List<String> trace = new CopyOnWriteArrayList<>();
				// On the pool thread: the task must have run before this thread awaits.
				DecoratorConfiguration.TRACE.set(trace);
				try (ErrGroup group = factory.newGroup("pool")) {
					CountDownLatch ran = new CountDownLatch(1);
					Task<String> task = group.go(() -> {
						trace.add("body");
						ran.countDown();
						return Thread.currentThread().getName();
					});
					assertThat(ran.await(30, TimeUnit.SECONDS)).isTrue();
					group.await();
					assertThat(task.resultNow()).startsWith("errgroup-");
				}
				finally {
					DecoratorConfiguration.TRACE.remove();
				}
				assertThat(trace).containsExactly("outer>", "inner>", "body", "<inner", "<outer");
				trace.clear();
				// On the waiter: the only pool thread is busy, so the awaiting thread runs the task.
				CountDownLatch blocking = new CountDownLatch(1);
				CountDownLatch release = new CountDownLatch(1);
				try (ErrGroup blocker = factory.newGroup("blocker"); ErrGroup group = factory.newGroup("waiter")) {
					blocker.go(() -> {
						blocking.countDown();
						release.await();
					});
					assertThat(blocking.await(30, TimeUnit.SECONDS)).isTrue();
					DecoratorConfiguration.TRACE.set(trace);
					Task<Thread> task = group.go(() -> {
						trace.add("body");
						return Thread.currentThread();
					});
					group.await();
					assertThat(task.resultNow()).isSameAs(Thread.currentThread());
					release.countDown();
					blocker.await();
				}
				finally {
					DecoratorConfiguration.TRACE.remove();
				}
				assertThat(trace).containsExactly("outer>", "inner>", "body", "<inner", "<outer");
			});
	}

	private static OptionalInt limitOf(ErrGroupFactory factory, ErrGroup group) {
		return factory.openGroups()
			.stream()
			.filter((info) -> info == group)
			.map(GroupInfo::limit)
			.findFirst()
			.orElseThrow();
	}

	@Configuration(proxyBeanMethods = false)
	static class UserFactoryConfiguration {

		static final ErrGroupFactory FACTORY = ErrGroupFactory.create(Runnable::run);

		@Bean
		ErrGroupFactory myFactory() {
			return FACTORY;
		}

	}

	/**
	 * Two decorators that write to the trace of the thread that submitted the task: the test's
	 * trace, captured at go().
	 */
	@Configuration(proxyBeanMethods = false)
	static class DecoratorConfiguration {

		static final ThreadLocal<List<String>> TRACE = new ThreadLocal<>();

		@Bean
		@Order(1)
		TaskDecorator inner() {
			return (runnable) -> traced("inner", runnable);
		}

		@Bean
		@Order(2)
		TaskDecorator outer() {
			return (runnable) -> traced("outer", runnable);
		}

		private static Runnable traced(String name, Runnable runnable) {
			List<String> trace = TRACE.get();
			if (trace == null) {
				return runnable;
			}
			return () -> {
				trace.add(name + ">");
				runnable.run();
				trace.add("<" + name);
			};
		}

	}

}
