package io.github.errgroup.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;

import io.github.errgroup.ErrGroup;
import io.github.errgroup.ErrGroupFactory;
import io.github.errgroup.GroupContext;
import io.github.errgroup.Task;
import io.github.errgroup.spring.autoconfigure.executor.ErrGroupExecutorAutoConfiguration;
import io.github.errgroup.spring.autoconfigure.metrics.ErrGroupMetricsAutoConfiguration;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.NestedExceptionUtils;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

/**
 * S21, at the far end: absurd but well-formed values either fail start-up with a message that names
 * the property, or the application starts and a fan-out works, without allocating for the size it
 * was given (no queue array of {@code Integer.MAX_VALUE}, no thread started ahead of a task). Values
 * that ErrGroupPropertiesValidationTests already covers (negative, zero) are not repeated here.
 */
@Timeout(60)
class S21_AbsurdPropertyValuesTests {

	private static final int FAN_OUT = 20;

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ErrGroupExecutorAutoConfiguration.class,
				ErrGroupAutoConfiguration.class, ErrGroupMetricsAutoConfiguration.class))
		.withBean(SimpleMeterRegistry.class, SimpleMeterRegistry::new);

	@Test
	void S21_poolOfMaxValueThreadsAndQueue_startsWithNoThreadAndALinkedQueue_andAFanOutWorks() {
		this.runner
			.withPropertyValues("errgroup.executor.pool.core-size=2147483647",
					"errgroup.executor.pool.max-size=2147483647", "errgroup.executor.pool.queue-capacity=2147483646")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				ThreadPoolExecutor pool = executor(context);
				assertThat(pool.getPoolSize()).as("no thread started ahead of a task").isZero();
				// A bounded capacity that large must be a linked queue: an array would be allocated whole.
				assertThat(pool.getQueue()).isInstanceOf(LinkedBlockingQueue.class);
				assertThat(pool.getQueue().remainingCapacity()).isEqualTo(2147483646);
				fanOut(context.getBean(ErrGroupFactory.class), "absurd-pool");
				assertThat(pool.getLargestPoolSize()).as("threads for the tasks there were, no more")
					.isLessThanOrEqualTo(FAN_OUT);
			});
	}

	@Test
	void S21_maxValueLimit_hugeTimeouts_andManyGroupNames_startAndAFanOutWorks() {
		this.runner
			.withPropertyValues("errgroup.defaults.limit=2147483647", "errgroup.defaults.timeout=100000000d",
					"errgroup.groups.forever.timeout=" + Long.MAX_VALUE + "s", "errgroup.overdue-threshold=1000000d",
					"errgroup.metrics.max-group-names=2147483647")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				ErrGroupFactory factory = context.getBean(ErrGroupFactory.class);
				try (ErrGroup group = factory.newGroup("absurd-profile")) {
					assertThat(group.context().deadline()).hasValueSatisfying(
							(deadline) -> assertThat(deadline).isAfter(Instant.now().plus(Duration.ofDays(99_999_999))));
					assertThat(((io.github.errgroup.GroupInfo) group).limit()).hasValue(Integer.MAX_VALUE);
				}
				fanOut(factory, "absurd-profile");
				fanOut(factory, "forever");
				MeterRegistry registry = context.getBean(MeterRegistry.class);
				assertThat(registry.get("errgroup.tasks.overdue").tag("group", "forever").gauge().value()).isZero();
			});
	}

	@ParameterizedTest(name = "{0}={1}")
	@CsvSource(delimiter = '|', textBlock = """
			errgroup.executor.pool.keep-alive                   | 25000d        | 2160000000s
			errgroup.executor.pool.keep-alive                   | 100000d       | 8640000000s
			errgroup.executor.shutdown.await-termination-period | 200000000000d | 17280000000000000s
			""")
	void S21_aDurationTheExecutorCannotHold_failsStartUpNamingThePropertyAndTheValue(String property, String value,
			String inSeconds) {
		this.runner.withPropertyValues(property + "=" + value).run((context) -> {
			assertThat(context).hasFailed();
			Throwable root = NestedExceptionUtils.getRootCause(context.getStartupFailure());
			assertThat(root).isInstanceOfSatisfying(InvalidConfigurationPropertyValueException.class,
					(invalid) -> assertThat(invalid.getName()).isEqualTo(property));
			assertThat(root.getMessage()).contains(property).contains("'" + inSeconds + "'");
		});
	}

	@ParameterizedTest(name = "{0}={1}")
	@CsvSource(delimiter = '|', textBlock = """
			errgroup.defaults.limit               | 99999999999
			errgroup.executor.pool.queue-capacity | 2147483648
			errgroup.defaults.timeout             | 99999999999999999999d
			errgroup.web.request-timeout          | 9999999999999999999s
			""")
	void S21_aValueThatDoesNotFitItsType_failsStartUpInBootsBindingNamingTheProperty(String property, String value) {
		this.runner.withPropertyValues(property + "=" + value).run((context) -> {
			assertThat(context).hasFailed();
			// What Boot's own failure analysis reports: "Property: <name>", "Value: <value>".
			assertThat(context.getStartupFailure())
				.hasStackTraceContaining("Failed to bind properties under '" + property + "'")
				.hasStackTraceContaining(value);
		});
	}

	private static void fanOut(ErrGroupFactory factory, String name) {
		List<Task<String>> tasks = new ArrayList<>();
		try (ErrGroup group = factory.newGroup(name)) {
			for (int i = 0; i < FAN_OUT; i++) {
				tasks.add(group.go(() -> GroupContext.current().orElseThrow().groupName()));
			}
			group.await();
		}
		assertThat(tasks).allSatisfy((task) -> assertThat(task.resultNow()).isEqualTo(name));
	}

	private static ThreadPoolExecutor executor(AssertableApplicationContext context) {
		return context.getBean(ErrGroupExecutorAutoConfiguration.TASK_EXECUTOR_BEAN_NAME, ThreadPoolTaskExecutor.class)
			.getThreadPoolExecutor();
	}

}
