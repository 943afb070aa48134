/**
 * Request-scoped cancellation for Spring MVC (S24): a filter gives each request its own cancellation
 * scope, bound to the threads that handle it and cancelled when the request ends.
 */
@NullMarked
package io.github.errgroup.spring.autoconfigure.web.servlet;

import org.jspecify.annotations.NullMarked;
