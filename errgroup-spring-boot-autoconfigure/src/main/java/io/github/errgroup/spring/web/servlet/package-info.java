/**
 * Spring MVC and servlet requests as cancellation scopes (S24): the request filter, the async
 * interceptor and the resolver that answers a request whose deadline passed.
 */
@NullMarked
package io.github.errgroup.spring.web.servlet;

import org.jspecify.annotations.NullMarked;
