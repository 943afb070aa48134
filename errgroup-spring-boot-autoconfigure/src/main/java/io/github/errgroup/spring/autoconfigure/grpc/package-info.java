/**
 * Auto-configuration of gRPC: the interceptors of {@code io.github.errgroup.spring.grpc} as beans.
 */
@NullMarked
package io.github.errgroup.spring.autoconfigure.grpc;

import org.jspecify.annotations.NullMarked;
