package io.github.errgroup;

/**
 * A task that reads its group's context: the Java twin of a Go function that takes a
 * {@code context.Context}.
 *
 * <pre>{@code
 * Task<List<Order>> orders = group.go(ctx -> orders.fetch(id, ctx));
 * }</pre>
 *
 * @param <T> the result type
 * @see ErrGroup#go(GroupTask)
 */
@FunctionalInterface
public interface GroupTask<T> {

	/**
	 * Runs the task.
	 * @param context the context of the group this task belongs to; poll
	 * {@link GroupContext#isCancelled()} or register {@link GroupContext#onCancel(Runnable)} to stop
	 * early when a sibling fails
	 * @return the result, made available by {@link Task#resultNow()}
	 * @throws Exception any failure; the first one fails the group and cancels the siblings
	 */
	T call(GroupContext context) throws Exception;

}
