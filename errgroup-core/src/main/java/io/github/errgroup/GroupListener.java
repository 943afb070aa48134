package io.github.errgroup;

/**
 * The one event stream of the engine. Metrics, observations, the actuator endpoint and the sample
 * timeline all read it, so each of them is a thin reader and no one keeps a second copy of a
 * group's bookkeeping.
 *
 * <p>Events of one task come in order: {@code taskSpawned} on the thread that called {@code go};
 * then {@code taskStarted} and {@code taskFinished} on the thread that runs it, inside the context
 * that the factory's task decorator restored, around the body; or, for a task cancelled before it
 * started, only {@code taskFinished}, on the cancelling thread. Every spawned task gets exactly one
 * {@code taskFinished}, before {@link ErrGroup#await()} returns. {@code groupClosed} comes last, once.
 *
 * <p>Methods are called synchronously on the engine's threads: keep them short and non-blocking. An
 * exception a listener throws is logged and otherwise ignored.
 */
public interface GroupListener {

	/**
	 * A group was opened.
	 * @param group the group
	 */
	default void groupOpened(GroupInfo group) {
	}

	/**
	 * A group was cancelled, before its tasks are interrupted; {@code group.context().cause()} says
	 * why. Groups that succeed are cancelled too when they finish (Go's rule), after every task ended.
	 * @param group the group
	 */
	default void groupCancelled(GroupInfo group) {
	}

	/**
	 * A group finished: every task ended, and {@code await()} returned or {@code close()} ran.
	 * {@link GroupInfo#failure()} holds the outcome, including failures no one awaited.
	 * @param group the group
	 */
	default void groupClosed(GroupInfo group) {
	}

	/**
	 * {@code go} accepted a task.
	 * @param task the task, {@code PENDING}
	 */
	default void taskSpawned(TaskInfo task) {
	}

	/**
	 * A task's body is about to run, on the thread that will run it.
	 * @param task the task, {@code RUNNING}
	 */
	default void taskStarted(TaskInfo task) {
	}

	/**
	 * A task reached its final state.
	 * @param task the task
	 */
	default void taskFinished(TaskInfo task) {
	}

}
