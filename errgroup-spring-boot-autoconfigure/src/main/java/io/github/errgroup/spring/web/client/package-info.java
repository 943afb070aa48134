/**
 * Outgoing calls made inside tasks (S25): {@code RestClient}, {@code RestTemplate} and {@code WebClient}
 * calls carry the time left and are aborted when the group is cancelled.
 */
@NullMarked
package io.github.errgroup.spring.web.client;

import org.jspecify.annotations.NullMarked;
