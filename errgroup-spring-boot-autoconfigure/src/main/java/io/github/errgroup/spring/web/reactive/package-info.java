/**
 * WebFlux exchanges as cancellation scopes (S24), and {@link ReactiveErrGroups} to open and await groups
 * from reactive code.
 */
@NullMarked
package io.github.errgroup.spring.web.reactive;

import org.jspecify.annotations.NullMarked;
