/**
 * Context propagation into group tasks: MDC, the Micrometer Observation, Spring Security's
 * {@code SecurityContext}, {@code RequestAttributes} and {@code LocaleContext}, for errgroup tasks only.
 */
@NullMarked
package io.github.errgroup.spring.autoconfigure.context;

import org.jspecify.annotations.NullMarked;
