/**
 * Package {@code io.github.errgroup} provides synchronization, error propagation and cancellation
 * for groups of tasks working on subtasks of a common job: Go's {@code errgroup}, for Java, with no
 * dependency beyond the JDK.
 *
 * <h2>The model</h2>
 * An {@link io.github.errgroup.ErrGroupFactory} opens groups; it holds what every group shares: the
 * {@link java.util.concurrent.Executor} tasks run on, the listeners, the task decorator and the
 * customizers that give a group its settings by name. An {@link io.github.errgroup.ErrGroup} is used
 * once: opened, fed with {@code go}, awaited, closed, best in a try-with-resources block. Each
 * {@code go} returns a {@link io.github.errgroup.Task}, whose result is read after {@code await()}.
 *
 * <p>{@code await()} blocks until every task has finished and throws an
 * {@link io.github.errgroup.ErrGroupException} carrying the first failure. That first failure
 * cancels the group at once: its {@link io.github.errgroup.GroupContext} reports the cause, its
 * {@code onCancel} callbacks run, running tasks are interrupted, and pending ones never start. A group
 * is also cancelled when {@code await()} returns, so clean-ups always run. {@code close()} without
 * {@code await()} cancels and waits, so no task outlives its block.
 *
 * <p>Groups form a tree. A group opened inside a task of another group (or given
 * {@link io.github.errgroup.GroupSpec#parent(GroupContext)}) is that group's child: the parent's
 * cancellation reaches it with the parent's cause, and the parent's deadline caps its own. A child's
 * failure reaches its parent wrapped in the child's {@code ErrGroupException};
 * {@link io.github.errgroup.ErrGroupException#firstCause()} looks through the wrappers.
 *
 * <p>A group may limit how many of its tasks are outstanding at once ({@code go} then waits,
 * {@code tryGo} declines) and may have a deadline. A thread waiting for a group, in {@code await()}
 * or in a {@code go} held back by the limit, runs the group's pending tasks instead of idling, so
 * nested groups cannot starve a small pool into deadlock and a task the executor rejects still runs.
 *
 * <h2>For users</h2>
 * <ul>
 * <li>{@link io.github.errgroup.ErrGroupFactory}, with its {@link io.github.errgroup.ErrGroupFactory.Builder}
 * ({@code executor}, {@code listener}, {@code taskDecorator}, {@code customizer}), and
 * {@link io.github.errgroup.GroupSpec}: to open groups.</li>
 * <li>{@link io.github.errgroup.ErrGroup}, {@link io.github.errgroup.Task},
 * {@link io.github.errgroup.GroupTask}, {@link io.github.errgroup.VoidTask}: to run tasks.</li>
 * <li>{@link io.github.errgroup.GroupContext}: what a task reads to notice cancellation, and its
 * {@link io.github.errgroup.GroupContext#shield()} for code that an interrupt would damage.</li>
 * <li>{@link io.github.errgroup.ErrGroupException}: the outcome of a failed group.</li>
 * <li>{@link io.github.errgroup.GroupCustomizer} and {@link io.github.errgroup.GroupListener}, with
 * what a listener sees, {@link io.github.errgroup.GroupInfo} and {@link io.github.errgroup.TaskInfo}:
 * to configure groups by name and to observe them.</li>
 * </ul>
 *
 * <h2>Integration hooks</h2>
 * Frameworks that embed the engine (the Spring layer of this project does) use a few more members. An
 * application does not need them, and each says "Integration hook" in its documentation:
 * <ul>
 * <li>{@link io.github.errgroup.CancellationScope}: a root context no group owns, for a unit of work
 * such as an HTTP request, so that the groups it opens are its children.</li>
 * <li>{@link io.github.errgroup.GroupContext#ofCurrentTask()}: the context of the group whose task
 * runs on this thread, and not of a scope bound to it, for hooks that act only inside tasks (the JDBC
 * hook cancels statements, under a {@link io.github.errgroup.GroupContext#shield()}).</li>
 * <li>{@link io.github.errgroup.ErrGroupFactory.Builder#blockingGuard(Runnable)}: refuses blocking on
 * threads that must not block.</li>
 * <li>{@link io.github.errgroup.ErrGroupFactory.Builder#executorParallelism(int)}: how many tasks an
 * executor that wraps a pool runs at once, so that a group hands it a few runnables that each run
 * several of its tasks, rather than one per task; and
 * {@link io.github.errgroup.ErrGroupFactory#parallelismOf(java.util.concurrent.Executor)}, what it reads
 * from the JDK's pools, for the pool inside such an executor.</li>
 * <li>{@link io.github.errgroup.DeadlineClock}, set with
 * {@link io.github.errgroup.ErrGroupFactory.Builder#deadlineClock(DeadlineClock)}: where deadlines
 * come from, for tests that advance time by hand instead of waiting for it; and
 * {@link io.github.errgroup.GroupContext#timeLeft()}, the time left on that clock, for handing a
 * deadline on.</li>
 * <li>{@link io.github.errgroup.ErrGroupFactory#openGroups()}: the live groups, for a monitoring
 * endpoint.</li>
 * <li>{@link io.github.errgroup.ErrGroupFactory#close(String)}: shutting down with a reason.</li>
 * <li>The timing members of {@link io.github.errgroup.GroupInfo} ({@code openedAt},
 * {@code openedNanos}, {@code cancelledNanos}) and of {@link io.github.errgroup.TaskInfo}
 * ({@code spawnedNanos}, {@code startedNanos}, {@code finishedNanos}, {@code ranByWaiter}): for
 * metrics, traces and timelines.</li>
 * </ul>
 *
 * <h2>Threads</h2>
 * Every type here is thread-safe except {@link io.github.errgroup.GroupSpec} and the builder. Any
 * thread may call {@code go}, including the group's own tasks; {@code await()} belongs to the group's
 * owner. Listener methods and {@code onCancel} callbacks run synchronously on the engine's threads and
 * should be short.
 */
package io.github.errgroup;
