package io.github.errgroup.spring.autoconfigure.jdbc;

import javax.sql.DataSource;

import io.github.errgroup.spring.jdbc.CancellingDataSource;

import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.context.annotation.Bean;
import org.springframework.jdbc.datasource.DelegatingDataSource;

/**
 * {@link EnableAutoConfiguration Auto-configuration} of databases (S30, S31): every {@link DataSource}
 * bean is wrapped in a {@link CancellingDataSource}, so that the statements a task of a group runs,
 * through {@code JdbcTemplate}, JPA, jOOQ or plain JDBC, are cancelled on the database when the group
 * is cancelled and get the time left before its deadline as their timeout there. Statements outside
 * group tasks are left as they are. A data source that already is, or wraps, a
 * {@code CancellingDataSource} is left as it is, so a data source bean built on another one is not
 * wrapped twice. The container still closes the pool itself at shutdown: destroy methods are called on
 * the bean as it was created, not on what post-processors made of it.
 *
 * <p>Off with {@code errgroup.jdbc.enabled=false} (or {@code errgroup.enabled=false}).
 */
@AutoConfiguration
@ConditionalOnClass({ DataSource.class, DelegatingDataSource.class })
@ConditionalOnBooleanProperty(name = { "errgroup.enabled", "errgroup.jdbc.enabled" }, matchIfMissing = true)
public final class ErrGroupJdbcAutoConfiguration {

	ErrGroupJdbcAutoConfiguration() {
	}

	@Bean
	static BeanPostProcessor errGroupDataSourcePostProcessor() {
		return new BeanPostProcessor() {

			@Override
			public Object postProcessAfterInitialization(Object bean, String beanName) {
				return (bean instanceof DataSource dataSource) ? CancellingDataSource.wrap(dataSource) : bean;
			}

		};
	}

}
