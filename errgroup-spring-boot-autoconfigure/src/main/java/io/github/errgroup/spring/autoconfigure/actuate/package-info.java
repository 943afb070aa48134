/**
 * Auto-configuration of the {@code errgroups} actuator endpoint
 * ({@link io.github.errgroup.spring.actuate.ErrGroupsEndpoint}).
 */
@NullMarked
package io.github.errgroup.spring.autoconfigure.actuate;

import org.jspecify.annotations.NullMarked;
