/**
 * Micrometer observations of groups and tasks (S27): {@code errgroup.group} and
 * {@code errgroup.task}, so that traces show the fan-out, documented by
 * {@link io.github.errgroup.spring.autoconfigure.observation.ErrGroupObservationDocumentation}.
 */
@NullMarked
package io.github.errgroup.spring.autoconfigure.observation;

import org.jspecify.annotations.NullMarked;
