package io.github.errgroup;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A listener's books of S26's accounting, checked at rest: every spawned task finishes once, in a
 * final state, and each group closes once. Each event does one or two atomic operations and nothing
 * else, so that Lincheck's model checker ({@link RacesModelCheckTest}) explores it cheaply; the
 * counts per state are read at rest from the tasks themselves.
 */
final class Books implements GroupListener {

	private final AtomicInteger spawned = new AtomicInteger();

	private final Map<TaskInfo, Boolean> finished = new ConcurrentHashMap<>();

	private final AtomicInteger finishedTwice = new AtomicInteger();

	private final AtomicInteger closed = new AtomicInteger();

	@Override
	public void taskSpawned(TaskInfo task) {
		this.spawned.incrementAndGet();
	}

	@Override
	public void taskFinished(TaskInfo task) {
		if (this.finished.putIfAbsent(task, Boolean.TRUE) != null) {
			this.finishedTwice.incrementAndGet();
		}
	}

	@Override
	public void groupClosed(GroupInfo group) {
		this.closed.incrementAndGet();
	}

	/** How many tasks reached taskSpawned so far. */
	int spawned() {
		return this.spawned.get();
	}

	/** How many finished tasks the thread waiting for their group ran (S15). */
	int ranByWaiter() {
		int n = 0;
		for (TaskInfo task : this.finished.keySet()) {
			n += task.ranByWaiter() ? 1 : 0;
		}
		return n;
	}

	/**
	 * Checks the books at rest: spawned = success + failure + cancelled, each task finished once, and
	 * every group closed once.
	 * @param expectedTasks how many tasks reached taskSpawned, or -1 not to check
	 * @param expectedGroups how many groups closed
	 * @throws AssertionError naming what is out of balance
	 */
	void assertBalanced(int expectedTasks, int expectedGroups) {
		int spawnedNow = this.spawned.get();
		check(this.finishedTwice.get() == 0, "a task finished twice");
		check(expectedTasks < 0 || spawnedNow == expectedTasks, spawnedNow + " tasks spawned, " + expectedTasks + " expected");
		int success = 0;
		int failure = 0;
		int cancelled = 0;
		for (TaskInfo task : this.finished.keySet()) {
			switch (task.state()) {
				case SUCCESS -> success++;
				case FAILED -> failure++;
				case CANCELLED -> cancelled++;
				default -> throw new AssertionError("a finished task is " + task.state() + ": " + task);
			}
		}
		check(success + failure + cancelled == spawnedNow, "spawned " + spawnedNow + " != success " + success
				+ " + failure " + failure + " + cancelled " + cancelled);
		check(this.closed.get() == expectedGroups, "groups closed " + this.closed.get() + ", expected " + expectedGroups);
	}

	private static void check(boolean ok, String what) {
		if (!ok) {
			throw new AssertionError(what);
		}
	}

}
