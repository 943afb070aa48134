/**
 * Micrometer meters of groups and tasks (S26): the {@code errgroup.*} counters, gauges and timer,
 * tagged by group name, with a bound on the number of names.
 */
@NullMarked
package io.github.errgroup.spring.autoconfigure.metrics;

import org.jspecify.annotations.NullMarked;
