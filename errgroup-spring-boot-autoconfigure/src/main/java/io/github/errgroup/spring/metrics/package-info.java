/**
 * Micrometer meters of groups and tasks (S26), fed by the one {@link io.github.errgroup.GroupListener}
 * event stream.
 */
@NullMarked
package io.github.errgroup.spring.metrics;

import org.jspecify.annotations.NullMarked;
