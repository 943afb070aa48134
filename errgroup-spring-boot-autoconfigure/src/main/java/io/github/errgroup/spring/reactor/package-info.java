/**
 * Support for any application with Reactor: a blocking guard that keeps {@code await()} off Reactor's
 * non-blocking threads.
 */
@NullMarked
package io.github.errgroup.spring.reactor;

import org.jspecify.annotations.NullMarked;
