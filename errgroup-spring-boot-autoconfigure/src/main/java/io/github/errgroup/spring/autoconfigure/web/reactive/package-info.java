/**
 * Auto-configuration of request scopes for Spring WebFlux
 * ({@link io.github.errgroup.spring.web.reactive.ErrGroupRequestWebFilter}).
 */
@NullMarked
package io.github.errgroup.spring.autoconfigure.web.reactive;

import org.jspecify.annotations.NullMarked;
