package io.github.errgroup.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;

import io.github.errgroup.ErrGroupFactory;
import io.github.errgroup.spring.autoconfigure.executor.ErrGroupExecutorAutoConfiguration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.NestedExceptionUtils;

/**
 * S21: invalid configuration fails start-up with a message naming the property and the bad value, in
 * Spring Boot's failure-analysis form (Boot's {@code InvalidConfigurationPropertyValueException}, whose
 * analyzer also says where the value was set).
 */
@ExtendWith(OutputCaptureExtension.class)
class ErrGroupPropertiesValidationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner().withConfiguration(
			AutoConfigurations.of(ErrGroupExecutorAutoConfiguration.class, ErrGroupAutoConfiguration.class));

	@ParameterizedTest(name = "{0}={1}")
	@CsvSource(delimiter = '|', textBlock = """
			errgroup.executor.pool.core-size                    | -1
			errgroup.executor.pool.max-size                     | 0
			errgroup.executor.pool.queue-capacity               | -1
			errgroup.executor.pool.keep-alive                   | -5s
			errgroup.executor.pool.keep-alive                   | 500ms
			errgroup.executor.shutdown.await-termination-period | -1s
			errgroup.defaults.limit                             | 0
			errgroup.defaults.limit                             | -3
			errgroup.defaults.timeout                           | -1s
			errgroup.defaults.timeout                           | 0s
			errgroup.groups.search.limit                        | 0
			errgroup.groups.search.timeout                      | -250ms
			errgroup.overdue-threshold                          | -1s
			errgroup.metrics.max-group-names                    | -1
			""")
	void S21_invalidValueFailsStartUpNamingThePropertyAndTheValue(String property, String value) {
		this.runner.withPropertyValues(property + "=" + value).run((context) -> {
			InvalidConfigurationPropertyValueException failure = failure(context);
			assertThat(failure.getName()).isEqualTo(property);
			assertThat(failure.getValue()).isEqualTo(value);
			assertThat(failure.getMessage()).contains(property).contains("'" + value + "'");
		});
	}

	@Test
	void S21_maxSizeBelowCoreSizeFailsNamingBoth() {
		this.runner.withPropertyValues("errgroup.executor.pool.core-size=4", "errgroup.executor.pool.max-size=2")
			.run((context) -> assertThat(failure(context).getMessage())
				.contains("Property errgroup.executor.pool.max-size with value '2' is invalid")
				.contains("errgroup.executor.pool.core-size (4)"));
	}

	@Test
	void S21_zeroKeepAliveIsValidWhenCoreThreadsDoNotTimeOut() {
		this.runner
			.withPropertyValues("errgroup.executor.pool.keep-alive=0s",
					"errgroup.executor.pool.allow-core-thread-timeout=false")
			.run((context) -> assertThat(context).hasNotFailed().hasSingleBean(ErrGroupFactory.class));
	}

	@Test
	void S21_boundaryValuesAreValid() {
		this.runner
			.withPropertyValues("errgroup.executor.pool.core-size=0", "errgroup.executor.pool.max-size=1",
					"errgroup.executor.pool.queue-capacity=0", "errgroup.executor.shutdown.await-termination-period=0s",
					"errgroup.defaults.limit=1", "errgroup.defaults.timeout=1ms")
			.run((context) -> assertThat(context).hasNotFailed().hasSingleBean(ErrGroupFactory.class));
	}

	@Test
	void S21_failureAnalyzerReportsThePropertyItsOriginAndWhatToDo(CapturedOutput output) {
		SpringApplication application = new SpringApplication(InvalidApplication.class);
		application.setWebApplicationType(WebApplicationType.NONE);
		assertThatException().isThrownBy(() -> application.run(
				"--spring.config.location=classpath:s21-invalid-core-size.properties", "--spring.main.banner-mode=off"));
		assertThat(output).contains("APPLICATION FAILED TO START")
			.contains("Invalid value '-1' for configuration property 'errgroup.executor.pool.core-size' "
					+ "(originating from 'class path resource [s21-invalid-core-size.properties] - 2:34')")
			.contains("the core number of threads must be zero or more. Set it to 0 or more.")
			.contains("Action:");
	}

	private static InvalidConfigurationPropertyValueException failure(AssertableApplicationContext context) {
		assertThat(context).hasFailed();
		Throwable root = NestedExceptionUtils.getRootCause(context.getStartupFailure());
		assertThat(root).isInstanceOf(InvalidConfigurationPropertyValueException.class);
		return (InvalidConfigurationPropertyValueException) root;
	}

	@Configuration(proxyBeanMethods = false)
	@ImportAutoConfiguration({ ErrGroupExecutorAutoConfiguration.class, ErrGroupAutoConfiguration.class })
	static class InvalidApplication {

	}

}
