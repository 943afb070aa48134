package io.github.errgroup.spring.autoconfigure.jdbc;

import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariConfigMXBean;
import com.zaxxer.hikari.HikariDataSource;
import io.github.errgroup.ErrGroup;
import io.github.errgroup.ErrGroupException;
import io.github.errgroup.ErrGroupFactory;
import io.github.errgroup.Task;
import io.github.errgroup.spring.autoconfigure.ErrGroupAutoConfiguration;
import io.github.errgroup.spring.autoconfigure.executor.ErrGroupExecutorAutoConfiguration;
import io.github.errgroup.spring.jdbc.CancellingDataSource;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.jdbc.DataSourceUnwrapper;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.JdbcTemplateAutoConfiguration;
import org.springframework.boot.jdbc.health.DataSourceHealthIndicator;
import org.springframework.boot.jdbc.metadata.DataSourcePoolMetadataProvider;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Primary;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.LazyConnectionDataSourceProxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The wiring of S30, S31: Boot's DataSource bean is wrapped, and everything of Boot that looks through a
 * wrapper to the pool (pool metadata for metrics, {@code DataSourceUnwrapper}, the health indicator)
 * still finds it; {@code errgroup.jdbc.enabled=false} backs off.
 */
class ErrGroupJdbcAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(TaskExecutionAutoConfiguration.class,
				ErrGroupExecutorAutoConfiguration.class, ErrGroupAutoConfiguration.class,
				DataSourceAutoConfiguration.class, JdbcTemplateAutoConfiguration.class,
				ErrGroupJdbcAutoConfiguration.class))
		.withPropertyValues("spring.datasource.generate-unique-name=true");

	@Test
	void S30_theDataSourceBeanIsWrappedAndItsPoolStaysReachable() {
		this.runner.run((context) -> {
			DataSource dataSource = context.getBean(DataSource.class);
			assertThat(dataSource).isInstanceOf(CancellingDataSource.class);
			assertThat(dataSource.unwrap(HikariDataSource.class)).isInstanceOf(HikariDataSource.class);
			assertThat(DataSourceUnwrapper.unwrap(dataSource, HikariConfigMXBean.class, HikariDataSource.class))
				.isNotNull();
			assertThat(new DataSourceHealthIndicator(dataSource, "select 1").health(true).getStatus())
				.isEqualTo(Status.UP);
			assertThat(context.getBean(DataSourcePoolMetadataProvider.class).getDataSourcePoolMetadata(dataSource))
				.as("pool metadata of the started pool, what the pool metrics read")
				.satisfies((metadata) -> assertThat(metadata.getActive()).isZero());
		});
	}

	@Test
	void S30_aStatementOfAGroupTaskThroughTheAutoConfiguredJdbcTemplateIsCancelled() {
		this.runner.run((context) -> {
			JdbcTemplate jdbc = context.getBean(JdbcTemplate.class);
			try (ErrGroup group = context.getBean(ErrGroupFactory.class)
				.group("s30-wired")
				.timeout(Duration.ofMillis(300))
				.open()) {
				Task<Long> scan = group
					.go(() -> jdbc.queryForObject("select sum(x) from system_range(1, 1000000000000)", Long.class));
				assertThatExceptionOfType(ErrGroupException.class).isThrownBy(group::await)
					.withCauseInstanceOf(TimeoutException.class);
				assertThat(scan.state()).isEqualTo(Task.State.CANCELLED);
			}
		});
	}

	@Test
	void thePoolIsStillClosedWithTheContextThoughItsBeanIsTheWrapper() {
		AtomicReference<HikariDataSource> pool = new AtomicReference<>();
		this.runner.run((context) -> pool.set(context.getBean(DataSource.class).unwrap(HikariDataSource.class)));
		assertThat(pool.get().isClosed()).isTrue();
	}

	@Test
	void S30_backsOffWithErrgroupJdbcEnabledFalse() {
		this.runner.withPropertyValues("errgroup.jdbc.enabled=false")
			.run((context) -> assertThat(context.getBean(DataSource.class)).isInstanceOf(HikariDataSource.class));
	}

	@Test
	void S30_backsOffWithErrgroupEnabledFalse() {
		this.runner.withPropertyValues("errgroup.enabled=false")
			.run((context) -> assertThat(context.getBean(DataSource.class)).isInstanceOf(HikariDataSource.class));
	}

	@Test
	void S30_aDataSourceBuiltOnAnotherBeanIsNotWrappedTwice() {
		this.runner.withUserConfiguration(LazyOverPool.class).run((context) -> {
			assertThat(context.getBean("pool")).isInstanceOf(CancellingDataSource.class);
			assertThat(context.getBean("lazy")).isInstanceOf(LazyConnectionDataSourceProxy.class);
		});
	}

	@Configuration(proxyBeanMethods = false)
	static class LazyOverPool {

		@Bean
		DataSource pool() {
			HikariDataSource pool = new HikariDataSource();
			pool.setJdbcUrl("jdbc:h2:mem:lazy-over-pool");
			return pool;
		}

		@Bean
		@Primary
		DataSource lazy(@Qualifier("pool") DataSource pool) {
			return new LazyConnectionDataSourceProxy(pool);
		}

	}

}
