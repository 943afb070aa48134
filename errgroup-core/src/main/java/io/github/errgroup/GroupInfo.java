package io.github.errgroup;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What a {@link GroupListener} (and {@link ErrGroupFactory#openGroups()}) sees of a group: its
 * identity, its place in the tree, its settings, and live counts of its tasks.
 */
public sealed interface GroupInfo permits Group {

	/**
	 * Returns an identifier, unique within the JVM.
	 * @return the identifier
	 */
	long id();

	/**
	 * Returns the group's name.
	 * @return the name
	 */
	String name();

	/**
	 * Returns the group's cancellation context.
	 * @return the context
	 */
	GroupContext context();

	/**
	 * Returns the context this group is a child of: another group's, or a scope's such as a web
	 * request's.
	 * @return the parent context, empty for a root or detached group
	 */
	Optional<GroupContext> parent();

	/**
	 * Returns the group of the parent context, when the parent is a group.
	 * @return the parent group, if any
	 */
	Optional<GroupInfo> parentGroup();

	/**
	 * Returns the time the group was opened, on the factory's {@link DeadlineClock} (the wall clock
	 * unless a test set another): its deadline is this plus its timeout.
	 * <p><em>Integration hook</em> (see the package overview): for metrics, traces and timelines.
	 * @return the opening time
	 */
	Instant openedAt();

	/**
	 * Returns the {@link System#nanoTime()} reading taken when the group was opened.
	 * <p><em>Integration hook</em> (see the package overview): for metrics, traces and timelines.
	 * @return the opening time in nanoseconds
	 */
	long openedNanos();

	/**
	 * Returns the {@link System#nanoTime()} reading taken when the group was cancelled.
	 * <p><em>Integration hook</em> (see the package overview): for metrics, traces and timelines.
	 * For a group that finished without being cancelled (S5's cancel), the time it finished when the
	 * factory has listeners, and 0 when it has none, as {@link TaskInfo}'s times are.
	 * @return the cancellation time, or 0 while it is live
	 */
	long cancelledNanos();

	/**
	 * Returns the limit on tasks running at once.
	 * @return the limit, empty when unlimited
	 */
	OptionalInt limit();

	/**
	 * Returns the state of the group now.
	 * @return the state
	 */
	State state();

	/**
	 * Returns how many of the group's tasks are in the given state now.
	 * @param state a task state
	 * @return the count
	 */
	int taskCount(Task.State state);

	/**
	 * Returns the group's tasks that have not ended: {@code PENDING} or {@code RUNNING} now, oldest
	 * first; a snapshot of a moving group, for a view such as the actuator endpoint's "which task is
	 * stuck" (S38). Walks the group's tasks: not for a hot path.
	 * @return the unfinished tasks, empty once the group has finished
	 */
	List<TaskInfo> unfinishedTasks();

	/**
	 * Returns the outcome once the group has finished: the exception {@link ErrGroup#await()} throws
	 * or would have thrown.
	 * @return the failure, empty while open or when every task succeeded
	 */
	Optional<ErrGroupException> failure();

	/**
	 * The states of a group.
	 */
	enum State {

		/** Accepting tasks, not cancelled. */
		OPEN,

		/** Cancelled, some tasks may still be running. */
		CANCELLED,

		/** Finished: every task ended and {@code await()} (or {@code awaitAsync()}) returned. */
		AWAITED,

		/** Finished by {@code close()} without {@code await()}: cancelled, then every task ended. */
		CLOSED

	}

}
