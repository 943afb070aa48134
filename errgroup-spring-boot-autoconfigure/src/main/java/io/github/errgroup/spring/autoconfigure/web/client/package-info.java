/**
 * Cancellation across the wire (S25): {@code RestClient} and {@code WebClient} calls made inside a
 * task carry the time left in a header and are aborted on the wire when the group is cancelled.
 */
@NullMarked
package io.github.errgroup.spring.autoconfigure.web.client;

import org.jspecify.annotations.NullMarked;
