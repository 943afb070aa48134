/**
 * The {@code errgroups} actuator endpoint (S28): the open groups of every factory as a tree.
 */
@NullMarked
package io.github.errgroup.spring.actuate;

import org.jspecify.annotations.NullMarked;
