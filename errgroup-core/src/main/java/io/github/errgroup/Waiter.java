package io.github.errgroup;

/**
 * A thread waiting for its group, which runs the group's unclaimed tasks instead of idling (S15): the
 * owner in {@link ErrGroup#await()} (waiting for the group to be sealable) or a {@code go} held by
 * the limit (waiting for a slot). The executor starts one runnable per task oldest first (batched, a
 * few runnables that each take the oldest unclaimed task, see {@link Group}); a waiter claims them from
 * the newest end, with its own {@link TaskStack.Cursor}. A task the executor rejected simply stays
 * unclaimed for a waiter.
 *
 * <h2>One step</h2>
 * <pre>
 *   look (without the lock): an unclaimed task? --yes--&gt; run it -----------------------------&gt; done
 *     | no
 *   announce (waiters++, under the lock)
 *   look again: may stop waiting? --yes--&gt; done
 *              an unclaimed task? --yes--&gt; run it, as above
 *     | no
 *   sleep on {@code changed} (lock released while asleep) --signal--&gt; done
 *                                                          --interrupt--&gt; cancel the group (S8), done
 * </pre>
 * The caller loops over steps until what it waits for holds. The announcement and the second look
 * are what makes the sleep safe: whoever changes what a waiter waits for (a task ending, a spawn, a
 * cancellation, the seal) changes it first and then reads {@code waiters}, and takes the lock to
 * signal only when someone waits. Both sides write one volatile and read the other, so one of them
 * sees the other and no wake-up is lost; tasks that end while nobody waits never touch the lock.
 *
 * <h2>Interrupts</h2>
 * An interrupt from outside while the waiter sleeps, or one left set after a task it ran (not the
 * task's: {@link TaskImpl} clears the interrupts it caused), cancels the group. A task it ran that
 * ended on an interrupt while the group was live may have consumed such an interrupt
 * ({@link TaskImpl#consumedWaiterInterrupt()}): its failure cancelled the group, as on a pool thread
 * (S29). Either way the waiter remembers it in {@link #interrupted} and its caller sets the flag again
 * once it stops waiting (S8).
 */
final class Waiter extends TaskStack.Cursor {

	/** Waits until the group can be sealed, or is finished. */
	static final int FOR_SEAL = 0;

	/** Waits until a limit slot is free, or the group is sealed or cancelled. */
	static final int FOR_SLOT = 1;

	/** Waits until the cancellation's side effects have run. */
	static final int FOR_CANCEL_DONE = 2;

	private final Group group;

	private final int forWhat;

	/** Whether the owner of this walk was interrupted from outside while it waited (S8). */
	boolean interrupted;

	Waiter(Group group, int forWhat) {
		super(group);
		this.group = group;
		this.forWhat = forWhat;
	}

	/** Runs the newest unclaimed task, or sleeps until something changes; see the class comment. */
	void helpOrSleep() {
		Group g = this.group;
		// The cursor is this thread's and the list is lock-free: look before taking the lock, which only
		// the sleep needs.
		TaskImpl<?> next = claimable();
		if (next == null) {
			next = lookAgainOrSleep(g);
			if (next == null) {
				return;
			}
		}
		next.runBy(true);
		if (Thread.interrupted()) { // not ours: TaskImpl clears the interrupts it caused
			this.interrupted = true;
			g.interruptedWhileWaiting();
		}
		else if (next.consumedWaiterInterrupt()) {
			this.interrupted = true; // the task's failure already cancelled the group
		}
	}

	/**
	 * Announces this thread, looks again, and sleeps if there is still nothing to do.
	 * @return a task to run, or {@code null} once the caller should look at what it waits for again
	 */
	private TaskImpl<?> lookAgainOrSleep(Group g) {
		TaskImpl<?> next = null;
		Group.Monitor m = g.monitor();
		m.lock();
		try {
			g.waiters++;
			// Announced, now look again: a change made before the announcement is seen here, one made
			// after it signals.
			if (g.mayStopWaiting(this.forWhat)) {
				return null;
			}
			next = claimable();
			if (next == null) {
				m.changed.await();
				return null;
			}
		}
		catch (InterruptedException ex) {
			this.interrupted = true;
		}
		finally {
			g.waiters--;
			m.unlock();
		}
		if (next == null) {
			g.interruptedWhileWaiting(); // the sleep was interrupted
		}
		return next;
	}

	/** A sealed group has nothing left to claim: every task has ended. */
	private TaskImpl<?> claimable() {
		return this.group.isSealed() ? null : nextUnclaimed();
	}

	/**
	 * Sleeps once, unless {@code forWhat} already holds, without helping and without giving up on an
	 * interrupt (which stays set for the caller); the caller loops until it holds.
	 */
	static void sleepUninterruptibly(Group g, int forWhat) {
		Group.Monitor m = g.monitor();
		m.lock();
		try {
			g.waiters++;
			try {
				if (!g.mayStopWaiting(forWhat)) {
					m.changed.awaitUninterruptibly();
				}
			}
			finally {
				g.waiters--;
			}
		}
		finally {
			m.unlock();
		}
	}

}
