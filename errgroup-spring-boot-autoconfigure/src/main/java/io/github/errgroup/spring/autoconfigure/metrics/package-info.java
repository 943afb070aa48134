/**
 * Auto-configuration of the Micrometer meters of groups and tasks
 * ({@link io.github.errgroup.spring.metrics.ErrGroupMetrics}), ordered after Boot's metrics.
 */
@NullMarked
package io.github.errgroup.spring.autoconfigure.metrics;

import org.jspecify.annotations.NullMarked;
