package io.github.errgroup;

import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;

/**
 * A group of tasks working on subtasks of a common job: Go's {@code errgroup.Group}.
 *
 * <pre>{@code
 * try (ErrGroup g = factory.newGroup("dashboard")) {
 *     Task<Profile> profile = g.go("profile", () -> profiles.fetch(id)); // named: S38
 *     Task<List<Order>> orders = g.go(ctx -> orders.fetch(id, ctx));
 *     g.go(() -> { audit.record(id); });
 *     g.await();
 *     return new Dashboard(profile.resultNow(), orders.resultNow());
 * }
 * }</pre>
 *
 * <p><b>The contract.</b> {@link #await()} blocks until every task has finished and throws an
 * {@link ErrGroupException} carrying the first failure. That first failure cancels the group at
 * once: its {@link #context()} reports the cause, its {@code onCancel} callbacks run, running tasks
 * are interrupted, and no task starts any more. A group is also cancelled when {@code await()}
 * returns, so clean-ups always run. A group is used once: opened, fed with {@code go}, awaited,
 * closed. Opened inside a task of another group, it is that group's child.
 *
 * <p><b>Threads.</b> Tasks run on the factory's executor. A thread waiting in {@code await()} (or in
 * a {@code go} held back by a limit) runs the group's tasks that have not started yet, so nested
 * groups cannot starve a small pool into deadlock and a task the executor rejects still runs. Any
 * thread may call {@code go}, including the group's own tasks.
 *
 * <p>Instances come from {@link ErrGroupFactory#newGroup(String)} or {@link GroupSpec#open()}.
 */
public sealed interface ErrGroup extends AutoCloseable permits Group {

	/**
	 * Starts a task that returns a value.
	 * <p>Blocks only while the group's {@linkplain GroupSpec#limit(int) limit} is reached, until a
	 * slot frees or the group is cancelled (running pending tasks of this group meanwhile). On a
	 * cancelled group the task is not run: it is returned {@code CANCELLED}. As in Go, a task that
	 * calls {@code go} on its own limited group while holding the last slot waits for itself: use
	 * {@link #tryGo(Callable)} there.
	 * @param <T> the result type
	 * @param task the task
	 * @return a handle to the task
	 * @throws NullPointerException if the task is {@code null}
	 * @throws IllegalStateException if the group was already awaited or closed
	 */
	<T> Task<T> go(Callable<T> task);

	/**
	 * Starts a task that reads the group's context, as {@link #go(Callable)} does.
	 * @param <T> the result type
	 * @param task the task
	 * @return a handle to the task
	 * @throws NullPointerException if the task is {@code null}
	 * @throws IllegalStateException if the group was already awaited or closed
	 */
	<T> Task<T> go(GroupTask<T> task);

	/**
	 * Starts a task with no result, as {@link #go(Callable)} does.
	 * @param task the task
	 * @return a handle to the task, whose result is {@code null}
	 * @throws NullPointerException if the task is {@code null}
	 * @throws IllegalStateException if the group was already awaited or closed
	 */
	Task<Void> go(VoidTask task);

	/**
	 * Starts a task only if a limit slot is free now: Go's {@code TryGo}. Never blocks.
	 * @param <T> the result type
	 * @param task the task
	 * @return the task, or empty when the limit is reached; on a cancelled group, a
	 * {@code CANCELLED} task
	 * @throws NullPointerException if the task is {@code null}
	 * @throws IllegalStateException if the group was already awaited or closed
	 */
	<T> Optional<Task<T>> tryGo(Callable<T> task);

	/**
	 * Starts a task that reads the group's context only if a limit slot is free now.
	 * @param <T> the result type
	 * @param task the task
	 * @return the task, or empty when the limit is reached
	 * @throws NullPointerException if the task is {@code null}
	 * @throws IllegalStateException if the group was already awaited or closed
	 * @see #tryGo(Callable)
	 */
	<T> Optional<Task<T>> tryGo(GroupTask<T> task);

	/**
	 * Starts a task with no result only if a limit slot is free now.
	 * @param task the task
	 * @return the task, or empty when the limit is reached
	 * @throws NullPointerException if the task is {@code null}
	 * @throws IllegalStateException if the group was already awaited or closed
	 * @see #tryGo(Callable)
	 */
	Optional<Task<Void>> tryGo(VoidTask task);

	/**
	 * Starts a named task that returns a value, as {@link #go(Callable)} does. The name (S38), such as
	 * the downstream service the task calls, is what {@link TaskInfo#name()}, the
	 * {@link ErrGroupException} message, traces and the actuator endpoint show. Give fixed names, as for
	 * groups, not request data: traces and the endpoint show them.
	 * @param <T> the result type
	 * @param name the task's name, not blank
	 * @param task the task
	 * @return a handle to the task
	 * @throws NullPointerException if the name or the task is {@code null}
	 * @throws IllegalArgumentException if the name is blank
	 * @throws IllegalStateException if the group was already awaited or closed
	 */
	<T> Task<T> go(String name, Callable<T> task);

	/**
	 * Starts a named task that reads the group's context, as {@link #go(String, Callable)} does.
	 * @param <T> the result type
	 * @param name the task's name, not blank
	 * @param task the task
	 * @return a handle to the task
	 * @throws NullPointerException if the name or the task is {@code null}
	 * @throws IllegalArgumentException if the name is blank
	 * @throws IllegalStateException if the group was already awaited or closed
	 */
	<T> Task<T> go(String name, GroupTask<T> task);

	/**
	 * Starts a named task with no result, as {@link #go(String, Callable)} does.
	 * @param name the task's name, not blank
	 * @param task the task
	 * @return a handle to the task, whose result is {@code null}
	 * @throws NullPointerException if the name or the task is {@code null}
	 * @throws IllegalArgumentException if the name is blank
	 * @throws IllegalStateException if the group was already awaited or closed
	 */
	Task<Void> go(String name, VoidTask task);

	/**
	 * Starts a named task only if a limit slot is free now, as {@link #tryGo(Callable)} does; the name
	 * as in {@link #go(String, Callable)}.
	 * @param <T> the result type
	 * @param name the task's name, not blank
	 * @param task the task
	 * @return the task, or empty when the limit is reached; on a cancelled group, a
	 * {@code CANCELLED} task
	 * @throws NullPointerException if the name or the task is {@code null}
	 * @throws IllegalArgumentException if the name is blank
	 * @throws IllegalStateException if the group was already awaited or closed
	 */
	<T> Optional<Task<T>> tryGo(String name, Callable<T> task);

	/**
	 * Starts a named task that reads the group's context only if a limit slot is free now.
	 * @param <T> the result type
	 * @param name the task's name, not blank
	 * @param task the task
	 * @return the task, or empty when the limit is reached
	 * @throws NullPointerException if the name or the task is {@code null}
	 * @throws IllegalArgumentException if the name is blank
	 * @throws IllegalStateException if the group was already awaited or closed
	 * @see #tryGo(String, Callable)
	 */
	<T> Optional<Task<T>> tryGo(String name, GroupTask<T> task);

	/**
	 * Starts a named task with no result only if a limit slot is free now.
	 * @param name the task's name, not blank
	 * @param task the task
	 * @return the task, or empty when the limit is reached
	 * @throws NullPointerException if the name or the task is {@code null}
	 * @throws IllegalArgumentException if the name is blank
	 * @throws IllegalStateException if the group was already awaited or closed
	 * @see #tryGo(String, Callable)
	 */
	Optional<Task<Void>> tryGo(String name, VoidTask task);

	/**
	 * Waits for every task to finish: Go's {@code Wait}.
	 * <p>While waiting, this thread runs the group's tasks that have not started yet. When every
	 * task has finished, the group is cancelled (with a {@link java.util.concurrent.CancellationException}
	 * if nothing cancelled it before) and its {@code onCancel} callbacks have run; then this method
	 * returns, or throws. If this thread is interrupted while waiting, the group is cancelled with an
	 * {@link InterruptedException}, the wait goes on until every task has finished, and the interrupt
	 * status is set again before the exception is thrown. After the first call, every call returns or
	 * throws the same outcome at once.
	 * @throws ErrGroupException if a task failed (the cause is the first failure) or the group was
	 * cancelled (the cause is the cancellation's)
	 */
	void await();

	/**
	 * Returns a future completed when every task has finished, with the outcome {@link #await()}
	 * would have: for callers that must not block, such as a reactive handler. This thread does not
	 * run tasks; a task the executor rejects runs on the thread that submitted it instead.
	 * Once called, the futures own the group: {@link #close()} then neither cancels nor waits, so
	 * {@code try (g) { ...; return g.awaitAsync(); }} does not cancel its own tasks.
	 * @return a future completed normally on success, or exceptionally with the
	 * {@link ErrGroupException} that {@code await()} would throw; cancelling it does not cancel the
	 * group
	 */
	CompletableFuture<Void> awaitAsync();

	/**
	 * Cancels the group with a {@link java.util.concurrent.CancellationException}, unless it was
	 * cancelled before.
	 */
	void cancel();

	/**
	 * Cancels the group with the given cause, unless it was cancelled before: running tasks are
	 * interrupted, pending ones will not start, and {@code await()} throws with this cause unless a
	 * task failed first.
	 * @param cause why the group is cancelled
	 * @throws NullPointerException if the cause is {@code null}
	 */
	void cancel(Throwable cause);

	/**
	 * Returns the group's cancellation context.
	 * @return the context, also what {@link GroupContext#current()} returns inside its tasks
	 */
	GroupContext context();

	/**
	 * Returns the group's name.
	 * @return the name
	 */
	String name();

	/**
	 * Ends the group. After {@link #await()} it does nothing. Without {@code await()} (an early
	 * return, or an exception in the try block), it cancels the group and waits for every task to
	 * finish, so no task outlives the try-with-resources block; failures seen this way go to the
	 * factory's listeners and its log, never lost. Waiting is not interruptible: an interrupt is
	 * kept for the caller to see. After {@link #awaitAsync()}, it does nothing: the future owns the
	 * group.
	 */
	@Override
	void close();

}
