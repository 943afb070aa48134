/**
 * Spring's transaction state and group tasks (S29): the awaiting thread hides its transaction and
 * persistence-context bindings from the tasks it runs, and a group opened inside a transaction is
 * reported once, because its tasks do not join that transaction.
 */
@NullMarked
package io.github.errgroup.spring.transaction;

import org.jspecify.annotations.NullMarked;
