/**
 * gRPC: an inbound call is a request scope (S33), and an outgoing call made inside a task honours its
 * group's deadline and cancellation (S34). Built on grpc-java's own {@code Context}.
 */
@NullMarked
package io.github.errgroup.spring.grpc;

import org.jspecify.annotations.NullMarked;
