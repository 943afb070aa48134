package io.github.errgroup;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A lock-free stack of {@link Node}s, newest first, whose ended nodes are unlinked lazily: a group's
 * tasks ({@link TaskStack}), a factory's open groups and a context's {@code onCancel} callbacks.
 * Nothing is taken off when a node ends, so ending costs no atomic operation here; pushing costs
 * one compare-and-set, and every {@code cleanInterval} pushes the pusher unlinks the ended nodes.
 *
 * <h2>Who touches what</h2>
 * <ul>
 * <li>{@code head}: pushers change it by compare-and-set; {@link #release()} clears it once every
 * node has ended (a group whose tasks have all ended). Nothing moves when a node ends.</li>
 * <li>Every other link ({@code next} of a linked node): written by the pusher before the push
 * publishes the node, later only by the one cleaner ({@link #clean()}, guarded by the
 * {@code cleaning} flag), which unlinks ended nodes. The head is never unlinked (pushes race on it),
 * so {@code prev.next = n.next} cannot lose a push. Unlinking leaves the unlinked node's own
 * {@code next} intact, so a walker standing on it still reaches every node behind it. A node never
 * leaves the ended state, so a walk misses only nodes that had ended.</li>
 * <li>{@code pushesSinceClean}, {@code cleanInterval}: a heuristic that amortises cleaning over
 * pushes (about twice the live nodes between cleanings), so a long-lived stack holds about as many
 * nodes as are live; plain fields, a lost update only moves the next cleaning.</li>
 * </ul>
 *
 * <h2>Walkers</h2>
 * A walk from {@link #top()} sees every node pushed before it read the head. What a walker does with a
 * node (claim it, cancel it) is the node's own compare-and-set, never the stack's.
 */
class LinkedStack {

	private static final int MIN_CLEAN_INTERVAL = 64;

	private static final VarHandle HEAD;

	private static final VarHandle CLEANING;

	private static final VarHandle NEXT;

	static {
		try {
			MethodHandles.Lookup lookup = MethodHandles.lookup();
			HEAD = lookup.findVarHandle(LinkedStack.class, "head", Node.class);
			CLEANING = lookup.findVarHandle(LinkedStack.class, "cleaning", boolean.class);
			NEXT = lookup.findVarHandle(Node.class, "next", Node.class);
		}
		catch (ReflectiveOperationException ex) {
			throw new ExceptionInInitializerError(ex);
		}
	}

	/** What a {@link LinkedStack} links: the link, and whether the node has ended for good. */
	abstract static class Node {

		/**
		 * The next older node; set before the node is published, later changed only by the stack's
		 * one cleaner.
		 */
		volatile Node next;

		/** Whether the node has ended; once true, true forever. The cleaner unlinks ended nodes. */
		abstract boolean isEnded();

	}

	/** The newest node; {@code null} when empty or released. */
	private volatile Node head;

	/** Whether a cleaner is at work; set by compare-and-set, so one cleaner at a time. */
	private volatile boolean cleaning;

	private int pushesSinceClean;

	private int cleanInterval = MIN_CLEAN_INTERVAL;

	/** The newest node, where a walk begins; {@code null} when empty. */
	final Node top() {
		return this.head;
	}

	/** Publishes {@code node}, an unpublished node, as the newest. */
	final void push(Node node) {
		for (;;) {
			Node h = this.head;
			NEXT.set(node, h); // a plain write: the compare-and-set below publishes it
			if (HEAD.compareAndSet(this, h, node)) {
				return;
			}
		}
	}

	/** Counts a push and, every {@code cleanInterval} pushes, unlinks the ended nodes. */
	final void maybeClean() {
		if (++this.pushesSinceClean >= this.cleanInterval) {
			clean();
		}
	}

	/** Unlinks ended nodes, one cleaner at a time; see the class comment. */
	private void clean() {
		if (this.cleaning || !CLEANING.compareAndSet(this, false, true)) {
			return;
		}
		try {
			this.pushesSinceClean = 0;
			Node prev = this.head;
			if (prev == null) {
				return;
			}
			int live = 1;
			for (Node n = prev.next; n != null; n = n.next) {
				if (n.isEnded()) {
					prev.next = n.next;
				}
				else {
					prev = n;
					live++;
				}
			}
			this.cleanInterval = Math.max(MIN_CLEAN_INTERVAL, 2 * live);
		}
		finally {
			this.cleaning = false;
		}
	}

	/** How many nodes are linked now, ended ones not yet unlinked included. */
	final int linked() {
		int n = 0;
		for (Node t = this.head; t != null; t = t.next) {
			n++;
		}
		return n;
	}

	/** Lets every node go; only once every node has ended and no more will be pushed. */
	final void release() {
		this.head = null;
	}

}
