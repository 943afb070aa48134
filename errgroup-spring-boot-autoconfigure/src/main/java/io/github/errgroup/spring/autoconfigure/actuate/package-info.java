/**
 * The {@code errgroups} actuator endpoint (S28): the open groups as a tree.
 */
@NullMarked
package io.github.errgroup.spring.autoconfigure.actuate;

import org.jspecify.annotations.NullMarked;
