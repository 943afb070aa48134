/**
 * Databases (S30, S31): a JDBC statement run by a task of a group is cancelled on the database when
 * the group is cancelled, and gets the time left before the group's deadline as its database-side
 * timeout. {@link io.github.errgroup.spring.jdbc.CancellingDataSource} wraps any
 * {@link javax.sql.DataSource}, so {@code JdbcTemplate}, JPA/Hibernate, jOOQ and plain JDBC are covered
 * alike.
 */
@NullMarked
package io.github.errgroup.spring.jdbc;

import org.jspecify.annotations.NullMarked;
