/**
 * Auto-configuration of databases: every {@code DataSource} bean wrapped in the
 * {@code CancellingDataSource} of {@code io.github.errgroup.spring.jdbc}.
 */
@NullMarked
package io.github.errgroup.spring.autoconfigure.jdbc;

import org.jspecify.annotations.NullMarked;
