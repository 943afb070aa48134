/**
 * Auto-configuration for any application with Reactor: the factory's blocking guard
 * ({@link io.github.errgroup.spring.reactor.NonBlockingThreadGuard}).
 */
@NullMarked
package io.github.errgroup.spring.autoconfigure.reactor;

import org.jspecify.annotations.NullMarked;
