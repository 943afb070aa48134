package io.github.errgroup;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The tasks of one group: a {@link LinkedStack} of {@link TaskImpl}s, newest first, and the walks over
 * them. {@link Group} extends it, which saves every group an object.
 *
 * <h2>Walkers</h2>
 * A walk from the top sees every task pushed before it read the head. The canceller's walk
 * ({@link #cancelAll()}) drops pending tasks and interrupts running ones; a task pushed after the
 * cause was set is dropped by its own spawner instead (see {@link Group}). A waiting thread walks with
 * a {@link Cursor} to claim unclaimed tasks, newest first.
 */
class TaskStack extends LinkedStack {

	/**
	 * The canceller's walk: drops every pending task ({@code PENDING -> CANCELLED}, S4) and interrupts
	 * every running one (S3).
	 * @return the tasks this walk dropped, which the caller accounts for; {@code null} if none
	 */
	List<TaskImpl<?>> cancelAll() {
		List<TaskImpl<?>> dropped = null;
		for (TaskImpl<?> t = (TaskImpl<?>) top(); t != null; t = (TaskImpl<?>) t.next) {
			if (t.cancelIfPending()) { // S4: pending tasks never start
				if (dropped == null) {
					dropped = new ArrayList<>();
				}
				dropped.add(t);
			}
			else {
				t.interruptIfRunning(); // S3
			}
		}
		return dropped;
	}

	/** How many linked tasks are in {@code state} now: a snapshot of a moving stack. */
	int count(Task.State state) {
		int n = 0;
		for (TaskImpl<?> t = (TaskImpl<?>) top(); t != null; t = (TaskImpl<?>) t.next) {
			if (t.state() == state) {
				n++;
			}
		}
		return n;
	}

	/** The linked tasks that have not ended now, oldest first: a snapshot of a moving stack. */
	List<TaskInfo> unfinished() {
		List<TaskInfo> unfinished = new ArrayList<>();
		for (TaskImpl<?> t = (TaskImpl<?>) top(); t != null; t = (TaskImpl<?>) t.next) {
			if (!t.isFinal()) {
				unfinished.add(t);
			}
		}
		Collections.reverse(unfinished);
		return unfinished;
	}

	/**
	 * A batched runnable's walk to claim tasks, oldest first, as the executor would start them
	 * ({@link Group#runAsRunner}). Each refill walks from the top down to where the previous refill
	 * began, collecting the claimable tasks pushed since, and serves them oldest first: every task is
	 * looked at once per runnable (more only when the stack's cleaning unlinked the node where the
	 * last refill began, and the walk goes on to the bottom: claims are permanent, so what it finds
	 * again is still claimable, and the order holds).
	 */
	static final class Fifo {

		private final TaskStack stack;

		/** The top when the last refill began: it and everything below were collected then. */
		private TaskImpl<?> seenTop;

		/** Collected tasks, newest first; served from {@code size - 1} down. */
		private TaskImpl<?>[] buffer;

		private int size;

		Fifo(TaskStack stack) {
			this.stack = stack;
		}

		/** The oldest task this walk has not served yet and no one has claimed, or {@code null}. */
		TaskImpl<?> nextUnclaimed() {
			for (;;) {
				while (this.size > 0) {
					TaskImpl<?> t = this.buffer[--this.size];
					this.buffer[this.size] = null;
					if (t.isClaimable()) {
						return t;
					}
				}
				if (!refill()) {
					return null;
				}
			}
		}

		/**
		 * The task {@link #nextUnclaimed()} would serve after {@code not}, without serving it: what a
		 * runnable hands off to spread its group's work. {@code null} if there is none.
		 */
		TaskImpl<?> peekUnclaimedOtherThan(TaskImpl<?> not) {
			for (;;) {
				for (int i = this.size - 1; i >= 0; i--) {
					TaskImpl<?> t = this.buffer[i];
					if (t != not && t.isClaimable()) {
						return t;
					}
				}
				// Nothing to serve in what was collected: collect what came since, then look again.
				if (!refill()) {
					return null;
				}
			}
		}

		/** Collects the claimable tasks pushed since the last refill; whether it found any. */
		private boolean refill() {
			TaskImpl<?> top = (TaskImpl<?>) this.stack.top();
			TaskImpl<?> stop = this.seenTop;
			if (top == stop) {
				return false;
			}
			int collected = this.size;
			for (TaskImpl<?> t = top; t != null && t != stop; t = (TaskImpl<?>) t.next) {
				if (t.isClaimable()) {
					add(t);
				}
			}
			this.seenTop = top;
			return this.size > collected;
		}

		private void add(TaskImpl<?> t) {
			TaskImpl<?>[] b = this.buffer;
			if (b == null) {
				b = this.buffer = new TaskImpl<?>[8];
			}
			else if (this.size == b.length) {
				b = this.buffer = java.util.Arrays.copyOf(b, b.length * 2);
			}
			// A refill comes when nothing collected before is left to serve (claimed since), save at most
			// the task being handed off, which its runnable is about to claim: newer tasks go on top.
			b[this.size++] = t;
		}

	}

	/**
	 * One thread's walk to claim tasks, newest first, over as many passes as it takes. Everything from
	 * {@code doneTop} down was seen claimed by a finished pass, and claims are permanent, so later
	 * passes stop there; {@code passTop} is where the current pass began, {@code next} where it goes on.
	 */
	static class Cursor {

		private final TaskStack stack;

		private TaskImpl<?> doneTop;

		private TaskImpl<?> passTop;

		private TaskImpl<?> next;

		Cursor(TaskStack stack) {
			this.stack = stack;
		}

		/** The newest unclaimed task, or {@code null} if every task in the stack is claimed. */
		final TaskImpl<?> nextUnclaimed() {
			for (;;) {
				for (TaskImpl<?> t = this.next; t != null && t != this.doneTop; t = (TaskImpl<?>) t.next) {
					if (t.isClaimable()) {
						this.next = (TaskImpl<?>) t.next;
						return t;
					}
				}
				this.doneTop = this.passTop;
				TaskImpl<?> h = (TaskImpl<?>) this.stack.top();
				if (h == this.doneTop) {
					this.next = null;
					return null;
				}
				this.passTop = h;
				this.next = h;
			}
		}

	}

}
