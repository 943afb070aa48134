/**
 * Auto-configuration of the observations of groups and tasks
 * ({@link io.github.errgroup.spring.observation.ErrGroupObservations}).
 */
@NullMarked
package io.github.errgroup.spring.autoconfigure.observation;

import org.jspecify.annotations.NullMarked;
