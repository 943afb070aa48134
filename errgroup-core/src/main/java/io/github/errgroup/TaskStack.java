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
