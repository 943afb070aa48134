/**
 * Auto-configuration of request scopes for Spring MVC
 * ({@link io.github.errgroup.spring.web.servlet.ErrGroupRequestFilter}).
 */
@NullMarked
package io.github.errgroup.spring.autoconfigure.web.servlet;

import org.jspecify.annotations.NullMarked;
