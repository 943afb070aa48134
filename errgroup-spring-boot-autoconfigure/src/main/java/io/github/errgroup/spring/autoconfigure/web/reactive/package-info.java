/**
 * Request-scoped cancellation for Spring WebFlux (S24): a {@code WebFilter} gives each exchange its
 * own cancellation scope, cancelled when the exchange ends or the client disconnects, and
 * {@link io.github.errgroup.spring.autoconfigure.web.reactive.ReactiveErrGroups} opens groups under
 * it and turns their outcome into a {@code Mono} without blocking.
 */
@NullMarked
package io.github.errgroup.spring.autoconfigure.web.reactive;

import org.jspecify.annotations.NullMarked;
