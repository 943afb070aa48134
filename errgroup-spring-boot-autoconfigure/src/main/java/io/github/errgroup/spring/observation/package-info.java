/**
 * Micrometer observations of groups and tasks (S27): {@code errgroup.group} and {@code errgroup.task},
 * so that traces show the fan-out, documented by {@link ErrGroupObservationDocumentation}, with
 * conventions that applications may replace.
 */
@NullMarked
package io.github.errgroup.spring.observation;

import org.jspecify.annotations.NullMarked;
