/**
 * Auto-configuration of errgroup in Spring Boot: the {@code ErrGroupFactory} bean, the
 * {@code errgroup.*} properties, group profiles and an orderly shutdown.
 */
@NullMarked
package io.github.errgroup.spring.autoconfigure;

import org.jspecify.annotations.NullMarked;
