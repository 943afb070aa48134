package io.github.errgroup.test;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import io.github.errgroup.ErrGroup;
import io.github.errgroup.TaskInfo;

/**
 * An executor that runs nothing by itself: it queues the tasks groups hand it, and the test runs them,
 * on the test thread, in the order it chooses. To replay an interleaving a user saw ("pricing
 * failed before details started"), or to step through a fan-out one task at a time.
 *
 * <pre>{@code
 * ManualExecutor executor = new ManualExecutor();
 * ErrGroupFactory factory = ErrGroupFactory.create(executor);
 * ErrGroup group = factory.newGroup("page");
 * Task<Part> details = group.go("details", () -> fetch("details"));   // #0, queued
 * Task<Part> pricing = group.go("pricing", () -> fetch("pricing"));   // #1, queued
 * executor.run("pricing");  // runs first, here, and fails: the group is cancelled
 * executor.runAll();        // details never starts (S4)
 * assertThatThrownBy(group::await)...;
 * assertThat(details.state()).isEqualTo(Task.State.CANCELLED);
 * }</pre>
 *
 * <h2>Who runs a task</h2>
 * A task runs once, on whichever thread claims it first. {@link ErrGroup#await()} runs its group's
 * tasks that no thread has started instead of idling (S15), newest first, and so does a {@code go}
 * held back by a limit. So drive the order first, and then await: {@code await()} then finds nothing
 * pending. Code that spawns and awaits in one call (a controller method) runs its tasks on its own
 * thread, newest first: deterministic, but the engine's order, not yours. A queued task that another
 * thread ran, or that its group's cancellation dropped, is run again by nothing: running it here does
 * nothing, so a replayed script need not know which tasks were dropped.
 *
 * <h2>What it relies on</h2>
 * errgroup-core hands the executor one runnable per task, which is that task's {@link TaskInfo}
 * (its {@link TaskInfo#index()}, its group, its state); this executor selects tasks by it. Should a
 * future core hand over anything else (several tasks in one runnable, say), every method here throws
 * an {@link IllegalStateException} that says so, rather than run tasks in an order the test did not
 * choose.
 *
 * <p>Thread-safe: tasks may be queued from any thread (a task spawning its siblings, S11); each method
 * runs tasks on the thread that calls it, holding no lock.
 */
public final class ManualExecutor implements Executor {

	private final ReentrantLock lock = new ReentrantLock();

	/** Guarded by {@code lock}; oldest first. */
	private final List<TaskInfo> queue = new ArrayList<>();

	/** The first runnable that was not a task; guarded by {@code lock}. */
	private Runnable foreign;

	/**
	 * Creates an executor with an empty queue.
	 */
	public ManualExecutor() {
	}

	/**
	 * Queues a task; runs nothing.
	 * @param command the task, as errgroup-core hands it over
	 */
	@Override
	public void execute(Runnable command) {
		Objects.requireNonNull(command, "command must not be null");
		this.lock.lock();
		try {
			if (command instanceof TaskInfo) {
				this.queue.add((TaskInfo) command);
			}
			else if (this.foreign == null) {
				this.foreign = command; // reported by the next call from the test, on the test thread
			}
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Returns the tasks queued and not run by this executor yet, oldest first. Some may have ended
	 * meanwhile: run by a thread awaiting their group, or dropped by its cancellation; their
	 * {@link TaskInfo#state()} says so.
	 * @return a snapshot of the queue
	 * @throws IllegalStateException if the engine handed over a runnable that is not a task
	 */
	public List<TaskInfo> queued() {
		this.lock.lock();
		try {
			checkOnlyTasks();
			return List.copyOf(this.queue);
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Runs the oldest queued task on this thread.
	 * @return whether there was one
	 * @throws IllegalStateException if the engine handed over a runnable that is not a task
	 */
	public boolean runNext() {
		TaskInfo next = take(task -> true, null);
		if (next == null) {
			return false;
		}
		((Runnable) next).run();
		return true;
	}

	/**
	 * Runs queued tasks on this thread, oldest first, until none is left, those queued meanwhile (by
	 * the tasks themselves) included.
	 * @return how many it ran
	 * @throws IllegalStateException if the engine handed over a runnable that is not a task
	 */
	public int runAll() {
		int ran = 0;
		while (runNext()) {
			ran++;
		}
		return ran;
	}

	/**
	 * Runs the queued tasks with the given {@link TaskInfo#index() indexes} on this thread, in the
	 * order given. The indexes are counted within a group, from 0 in the order of {@code go}: with
	 * tasks of several groups queued, say which group with {@link #run(ErrGroup, int...)}.
	 * @param indexes the tasks, in the order to run them
	 * @throws IllegalArgumentException if no queued task has one of the indexes (the tasks before it
	 * have run)
	 * @throws IllegalStateException if tasks of several groups have that index, or the engine handed
	 * over a runnable that is not a task
	 */
	public void run(int... indexes) {
		for (int index : indexes) {
			((Runnable) take(task -> task.index() == index, "#" + index)).run();
		}
	}

	/**
	 * Runs the queued tasks of {@code group} with the given {@link TaskInfo#index() indexes} on this
	 * thread, in the order given.
	 * @param group the group the tasks belong to
	 * @param indexes the tasks, in the order to run them
	 * @throws IllegalArgumentException if no queued task of the group has one of the indexes (the tasks
	 * before it have run)
	 * @throws IllegalStateException if the engine handed over a runnable that is not a task
	 */
	public void run(ErrGroup group, int... indexes) {
		Objects.requireNonNull(group, "group must not be null");
		for (int index : indexes) {
			((Runnable) take(task -> task.group() == group && task.index() == index,
					"#" + index + " of group '" + group.name() + "'")).run();
		}
	}

	/**
	 * Runs the queued tasks with the given {@linkplain TaskInfo#name() names} ({@code go("pricing", ...)})
	 * on this thread, in the order given: the interleaving as a user tells it, "pricing failed before
	 * inventory started".
	 * @param names the tasks, in the order to run them
	 * @throws IllegalArgumentException if no queued task has one of the names (the tasks before it have
	 * run)
	 * @throws IllegalStateException if several queued tasks have that name, or the engine handed over a
	 * runnable that is not a task
	 */
	public void run(String... names) {
		for (String name : names) {
			Objects.requireNonNull(name, "a task name must not be null");
			((Runnable) take(task -> task.name().filter(name::equals).isPresent(), "'" + name + "'")).run();
		}
	}

	/**
	 * The one place that selects a queued task: removes and returns the oldest one that {@code which}
	 * accepts. With a {@code description}, exactly one must match; without, it returns {@code null}
	 * when none does.
	 */
	private TaskInfo take(Predicate<TaskInfo> which, String description) {
		this.lock.lock();
		try {
			checkOnlyTasks();
			List<TaskInfo> matches = this.queue.stream().filter(which).collect(Collectors.toList());
			if (description != null) {
				if (matches.isEmpty()) {
					throw new IllegalArgumentException("no queued task is " + description + "; queued: " + describe(this.queue));
				}
				if (matches.size() > 1) {
					throw new IllegalStateException("more than one queued task is " + description + ": " + describe(matches)
							+ "; name the group with run(group, indexes...)");
				}
			}
			if (matches.isEmpty()) {
				return null;
			}
			TaskInfo chosen = matches.get(0);
			this.queue.remove(chosen);
			return chosen;
		}
		finally {
			this.lock.unlock();
		}
	}

	private void checkOnlyTasks() {
		if (this.foreign != null) {
			throw new IllegalStateException("ManualExecutor was handed " + this.foreign + " (" + this.foreign.getClass().getName()
					+ "), which is not a task (io.github.errgroup.TaskInfo). It relies on errgroup-core handing the executor one"
					+ " runnable per task; this version of errgroup-core does not (several tasks per runnable?): use the"
					+ " errgroup-test of the same version as errgroup-core");
		}
	}

	private static String describe(List<TaskInfo> tasks) {
		if (tasks.isEmpty()) {
			return "none";
		}
		return tasks.stream()
			.map(t -> t.name().map(name -> "'" + name + "' ").orElse("") + "#" + t.index() + " of '" + t.group().name() + "' ("
					+ t.state() + ")")
			.collect(Collectors.joining(", ", "[", "]"));
	}

	@Override
	public String toString() {
		this.lock.lock();
		try {
			return "ManualExecutor" + describe(this.queue);
		}
		finally {
			this.lock.unlock();
		}
	}

}
