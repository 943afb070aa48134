/**
 * Request-scoped cancellation (S24), deadlines across the wire (S25) and the deadline formats of the mesh
 * (S35): what the servlet, reactive and HTTP client integrations (and the gRPC one) share.
 */
@NullMarked
package io.github.errgroup.spring.web;

import org.jspecify.annotations.NullMarked;
