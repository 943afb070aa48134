/**
 * Auto-configuration of outgoing calls made inside tasks: customizers that add
 * the interceptor and filter of {@code io.github.errgroup.spring.web.client} to every {@code RestClient}, {@code RestTemplate} and
 * {@code WebClient} built from Boot's builders.
 */
@NullMarked
package io.github.errgroup.spring.autoconfigure.web.client;

import org.jspecify.annotations.NullMarked;
