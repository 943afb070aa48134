package io.github.errgroup;

import java.util.Optional;

/**
 * What a {@link GroupListener} sees of a task: its group, its state, how it ended, and when.
 * Times are {@link System#nanoTime()} readings, comparable with {@link GroupInfo#openedNanos()}.
 */
public sealed interface TaskInfo permits TaskImpl {

	/**
	 * Returns the group the task belongs to.
	 * @return the group
	 */
	GroupInfo group();

	/**
	 * Returns the position of the task among its group's tasks, from 0 in the order of {@code go}.
	 * @return the index
	 */
	int index();

	/**
	 * Returns the name given to {@code go(name, task)} or {@code tryGo(name, task)} (S38): what the
	 * {@code ErrGroupException} message, the actuator endpoint and traces call the task.
	 * @return the name, empty for a task started without one
	 */
	Optional<String> name();

	/**
	 * Returns the state of the task now.
	 * @return the state
	 */
	Task.State state();

	/**
	 * Returns what the task threw, for a {@code FAILED} task or a {@code CANCELLED} one that ended
	 * by throwing.
	 * @return the exception, if any
	 */
	Optional<Throwable> exception();

	/**
	 * Returns when {@code go} was called.
	 * <p><em>Integration hook</em> (see the package overview): for metrics, traces and timelines.
	 * @return a {@link System#nanoTime()} reading
	 */
	long spawnedNanos();

	/**
	 * Returns when the body started.
	 * <p><em>Integration hook</em> (see the package overview): for metrics, traces and timelines.
	 * @return a {@link System#nanoTime()} reading, or 0 if it never started
	 */
	long startedNanos();

	/**
	 * Returns when the task reached its final state.
	 * <p><em>Integration hook</em> (see the package overview): for metrics, traces and timelines.
	 * @return a {@link System#nanoTime()} reading, or 0 while it has not
	 */
	long finishedNanos();

	/**
	 * Returns whether the thread that waited for the group ran this task itself, instead of an
	 * executor thread.
	 * <p><em>Integration hook</em> (see the package overview): for metrics, traces and timelines.
	 * @return {@code true} if the waiter ran it
	 */
	boolean ranByWaiter();

}
