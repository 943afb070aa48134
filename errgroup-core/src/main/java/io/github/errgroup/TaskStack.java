package io.github.errgroup;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The tasks of one group: a lock-free stack, newest first, linked by {@link TaskImpl#next}.
 *
 * <h2>Who touches what</h2>
 * <ul>
 * <li>{@code head}: spawners push by compare-and-set; the group's sealer clears it once every task has
 * ended ({@link #release()}). Nothing moves when a task starts or ends.</li>
 * <li>Every other link ({@code next} of a linked task): written by the pusher before the push publishes
 * the task, later only by the one cleaner ({@link #clean()}, guarded by the {@code cleaning} flag),
 * which unlinks ended tasks. The head is never unlinked (pushes race on it), so
 * {@code prev.next = t.next} cannot lose a push. Unlinking leaves the unlinked task's own {@code next}
 * intact, so a walker standing on it still reaches every task behind it.</li>
 * <li>{@code spawnsSinceClean}, {@code cleanInterval}: a heuristic that amortises cleaning over spawns
 * (about twice the live tasks between cleanings), so a long-lived group holds about as many tasks as
 * are outstanding; plain fields, a lost update only moves the next cleaning.</li>
 * </ul>
 *
 * <h2>Walkers</h2>
 * A walk from {@code head} sees every task pushed before it read the head. The canceller's walk
 * ({@link #cancelAll()}) drops pending tasks and interrupts running ones; a task pushed after the
 * cause was set is dropped by its own spawner instead (see {@link Group}). A waiting thread walks with
 * a {@link Cursor} to claim unclaimed tasks, newest first.
 */
final class TaskStack {

	private static final int MIN_CLEAN_INTERVAL = 64;

	private static final VarHandle HEAD;

	private static final VarHandle CLEANING;

	static {
		try {
			MethodHandles.Lookup lookup = MethodHandles.lookup();
			HEAD = lookup.findVarHandle(TaskStack.class, "head", TaskImpl.class);
			CLEANING = lookup.findVarHandle(TaskStack.class, "cleaning", boolean.class);
		}
		catch (ReflectiveOperationException ex) {
			throw new ExceptionInInitializerError(ex);
		}
	}

	/** The newest task; {@code null} when empty or released. */
	private volatile TaskImpl<?> head;

	/** Whether a cleaner is at work; set by compare-and-set, so one cleaner at a time. */
	private volatile boolean cleaning;

	private int spawnsSinceClean;

	private int cleanInterval = MIN_CLEAN_INTERVAL;

	/** Publishes {@code task}, an unpublished task, as the newest. */
	void push(TaskImpl<?> task) {
		for (;;) {
			TaskImpl<?> h = this.head;
			task.linkNext(h);
			if (HEAD.compareAndSet(this, h, task)) {
				return;
			}
		}
	}

	/** Counts a spawn and, every {@code cleanInterval} spawns, unlinks the ended tasks. */
	void maybeClean() {
		if (++this.spawnsSinceClean >= this.cleanInterval) {
			clean();
		}
	}

	/** Unlinks ended tasks, one cleaner at a time; see the class comment. */
	private void clean() {
		if (this.cleaning || !CLEANING.compareAndSet(this, false, true)) {
			return;
		}
		try {
			this.spawnsSinceClean = 0;
			TaskImpl<?> prev = this.head;
			if (prev == null) {
				return;
			}
			int live = 1;
			for (TaskImpl<?> t = prev.next; t != null; t = t.next) {
				if (t.isFinal()) {
					prev.next = t.next;
				}
				else {
					prev = t;
					live++;
				}
			}
			this.cleanInterval = Math.max(MIN_CLEAN_INTERVAL, 2 * live);
		}
		finally {
			this.cleaning = false;
		}
	}

	/**
	 * The canceller's walk: drops every pending task ({@code PENDING -> CANCELLED}, S4) and interrupts
	 * every running one (S3).
	 * @return the tasks this walk dropped, which the caller accounts for; {@code null} if none
	 */
	List<TaskImpl<?>> cancelAll() {
		List<TaskImpl<?>> dropped = null;
		for (TaskImpl<?> t = this.head; t != null; t = t.next) {
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

	/**
	 * The tasks the executor rejected that nobody has claimed yet; called under the group's lock,
	 * which guards {@link TaskImpl#rejected}.
	 * @return the tasks, possibly empty
	 */
	List<TaskImpl<?>> rejectedUnclaimed() {
		List<TaskImpl<?>> rejected = new ArrayList<>(0);
		for (TaskImpl<?> t = this.head; t != null; t = t.next) {
			if (t.rejected && t.isClaimable()) {
				rejected.add(t);
			}
		}
		return rejected;
	}

	/** How many linked tasks are in {@code state} now: a snapshot of a moving stack. */
	int count(Task.State state) {
		int n = 0;
		for (TaskImpl<?> t = this.head; t != null; t = t.next) {
			if (t.state() == state) {
				n++;
			}
		}
		return n;
	}

	/** The linked tasks that have not ended now, oldest first: a snapshot of a moving stack. */
	List<TaskInfo> unfinished() {
		List<TaskInfo> unfinished = new ArrayList<>();
		for (TaskImpl<?> t = this.head; t != null; t = t.next) {
			if (!t.isFinal()) {
				unfinished.add(t);
			}
		}
		Collections.reverse(unfinished);
		return unfinished;
	}

	/** How many tasks are linked now, ended ones not yet unlinked included. */
	int linked() {
		int n = 0;
		for (TaskImpl<?> t = this.head; t != null; t = t.next) {
			n++;
		}
		return n;
	}

	/** Lets every task go; only once every task has ended. */
	void release() {
		this.head = null;
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
				for (TaskImpl<?> t = this.next; t != null && t != this.doneTop; t = t.next) {
					if (t.isClaimable()) {
						this.next = t.next;
						return t;
					}
				}
				this.doneTop = this.passTop;
				TaskImpl<?> h = this.stack.head;
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
