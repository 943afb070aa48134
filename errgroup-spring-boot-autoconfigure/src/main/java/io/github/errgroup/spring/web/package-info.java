/**
 * Request-scoped cancellation (S24) and deadlines across the wire (S25): what the servlet, reactive and
 * HTTP client integrations share.
 */
@NullMarked
package io.github.errgroup.spring.web;

import org.jspecify.annotations.NullMarked;
