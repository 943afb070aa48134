/**
 * The executor that runs group tasks: a thread pool configured by {@code errgroup.executor.*}, or
 * virtual threads.
 */
@NullMarked
package io.github.errgroup.spring.autoconfigure.executor;

import org.jspecify.annotations.NullMarked;
