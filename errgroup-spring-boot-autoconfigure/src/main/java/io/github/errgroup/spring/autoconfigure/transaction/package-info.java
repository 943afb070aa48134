/**
 * Auto-configuration that keeps Spring's transaction state of the awaiting thread away from the group
 * tasks it runs (S29).
 */
@NullMarked
package io.github.errgroup.spring.autoconfigure.transaction;

import org.jspecify.annotations.NullMarked;
