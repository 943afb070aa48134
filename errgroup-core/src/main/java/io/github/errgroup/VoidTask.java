package io.github.errgroup;

/**
 * A task with no result, so that {@code group.go(() -> { audit.record(id); })} needs no
 * {@code return null}. Unlike {@link Runnable} it may throw checked exceptions.
 *
 * @see ErrGroup#go(VoidTask)
 */
@FunctionalInterface
public interface VoidTask {

	/**
	 * Runs the task.
	 * @throws Exception any failure; the first one fails the group and cancels the siblings
	 */
	void run() throws Exception;

}
