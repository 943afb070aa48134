package io.github.errgroup;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;

/**
 * Opens {@link ErrGroup}s that run their tasks on one executor, tell one set of listeners, and wrap
 * every task with one decorator. Thread-safe; meant to be shared (in Spring, it is a bean).
 *
 * <pre>{@code
 * ErrGroupFactory factory = ErrGroupFactory.create(executor);
 * try (ErrGroup g = factory.newGroup("dashboard")) {
 *     ...
 * }
 * }</pre>
 *
 * <p>The factory does not own the executor: {@link #close()} cancels the open groups and refuses new
 * ones, but shutting the executor down is its owner's job.
 */
public final class ErrGroupFactory implements AutoCloseable {

	private static final String DEFAULT_NAME = "default";

	private static final AtomicLong IDS = new AtomicLong();

	/** {@link #runnersPerGroup()}: one runnable per task, which runs that task only. */
	static final int UNBATCHED = Integer.MAX_VALUE;

	/**
	 * How many of a group's runnables may wait in the executor, not started, at once: the executor's
	 * parallelism, set or detected ({@link Builder#executorParallelism}); {@link #UNBATCHED} when unknown.
	 */
	private final int runnersPerGroup;

	private final Executor executor;

	private final Listeners listeners;

	private final UnaryOperator<Runnable> taskDecorator;

	private final List<GroupCustomizer> customizers;

	private final Runnable blockingGuard;

	private final DeadlineClock deadlineClock;

	/**
	 * The open groups that no parent group of this factory lists, as their contexts, newest first:
	 * opening pushes, and a finished group is unlinked later by an opening ({@link LinkedStack}), so a
	 * group costs one compare-and-set here where a concurrent set costs several atomic operations both
	 * ways. A group opened inside a task of this factory's group is found through its parent's link
	 * instead ({@link Group#listedByParent()}), which S14 needs anyway, and costs the factory nothing.
	 */
	private final LinkedStack openGroups = new LinkedStack();

	/** Why the factory was shut ({@link #close(String)}); {@code null} while it is open. */
	private volatile String closedReason;

	private ErrGroupFactory(Builder builder) {
		this.executor = builder.executor;
		this.listeners = new Listeners(builder.listeners);
		this.taskDecorator = builder.taskDecorator;
		this.customizers = List.copyOf(builder.customizers);
		this.blockingGuard = builder.blockingGuard;
		this.deadlineClock = builder.deadlineClock;
		int parallelism = (builder.executorParallelism > 0) ? builder.executorParallelism
				: parallelismOf(builder.executor);
		// A group counts its waiting runnables in 30 bits (Group.runners): beyond that, one per task.
		this.runnersPerGroup = (parallelism >= 1 << 30) ? UNBATCHED : parallelism;
	}

	/**
	 * How many tasks one of the JDK's pools runs at once, as {@link Builder#executorParallelism} takes
	 * it; what the builder uses when it is not set. A {@code ThreadPoolExecutor} with an unbounded queue
	 * runs its core threads and never more; with a bounded one it adds threads up to its maximum once the
	 * queue is full, so its maximum is what a group may fill (a maximum of {@code Integer.MAX_VALUE}
	 * means one runnable per task). A {@code ForkJoinPool} runs its parallelism. A pool that hands off
	 * directly ({@code SynchronousQueue}: a thread per runnable, as {@code newCachedThreadPool}) and any
	 * other executor (virtual threads, a test's) get {@code Integer.MAX_VALUE}: one runnable per task.
	 * <p><em>Integration hook</em> (see the package overview): for a framework whose executor wraps one
	 * of these pools (the Spring Boot starter passes its {@code ThreadPoolTaskExecutor}'s pool).
	 * @param executor the executor, or the pool inside it
	 * @return its parallelism, at least 1; {@code Integer.MAX_VALUE} when it does not say
	 */
	public static int parallelismOf(Executor executor) {
		if (executor instanceof ThreadPoolExecutor) {
			ThreadPoolExecutor pool = (ThreadPoolExecutor) executor;
			if (!(pool.getQueue() instanceof SynchronousQueue)) {
				java.util.concurrent.BlockingQueue<Runnable> queue = pool.getQueue();
				// capacity = what it holds + what it has room for (an unbounded queue: Integer.MAX_VALUE)
				boolean unbounded = (long) queue.size() + queue.remainingCapacity() >= Integer.MAX_VALUE;
				return Math.max(1, unbounded ? pool.getCorePoolSize() : pool.getMaximumPoolSize());
			}
		}
		if (executor instanceof ForkJoinPool) {
			return ((ForkJoinPool) executor).getParallelism();
		}
		return UNBATCHED;
	}

	int runnersPerGroup() {
		return this.runnersPerGroup;
	}

	/**
	 * Creates a factory that runs tasks on the given executor, with no listener, decorator or
	 * customizer.
	 * @param executor where tasks run; any {@link Executor}
	 * @return the factory
	 * @throws NullPointerException if {@code executor} is {@code null}
	 */
	public static ErrGroupFactory create(Executor executor) {
		return builder().executor(executor).build();
	}

	/**
	 * Starts building a factory.
	 * @return a new builder
	 */
	public static Builder builder() {
		return new Builder();
	}

	/**
	 * Opens a group named {@code default}: {@code group("default").open()}.
	 * @return the new group
	 * @throws IllegalStateException if the factory was closed
	 */
	public ErrGroup newGroup() {
		return newGroup(DEFAULT_NAME);
	}

	/**
	 * Opens a group with the given name and the settings the customizers give that name:
	 * {@code group(name).open()}.
	 * @param name the group name, used in exceptions, logs, metrics and traces
	 * @return the new group
	 * @throws NullPointerException if {@code name} is {@code null}
	 * @throws IllegalArgumentException if {@code name} is blank
	 * @throws IllegalStateException if the factory was closed
	 */
	public ErrGroup newGroup(String name) {
		if (this.customizers.isEmpty()) {
			checkName(name);
			// What group(name).open() does with nothing to customize, without the spec.
			return open(name, 0, null, CancelContext.currentOrNull());
		}
		return group(name).open();
	}

	/**
	 * Starts specifying a group with the given name. The customizers have already been applied to the
	 * returned spec, so the caller's own calls win.
	 * @param name the group name, used in exceptions, logs, metrics and traces
	 * @return the spec, to adjust and {@link GroupSpec#open()}
	 * @throws NullPointerException if {@code name} is {@code null}
	 * @throws IllegalArgumentException if {@code name} is blank
	 * @throws IllegalStateException if the factory was closed
	 */
	public GroupSpec group(String name) {
		checkName(name);
		ensureOpen();
		GroupSpec spec = new GroupSpec(this, name);
		for (GroupCustomizer customizer : this.customizers) {
			customizer.customize(name, spec);
		}
		return spec;
	}

	/**
	 * Returns the groups opened by this factory that have not finished yet, oldest first.
	 * <p><em>Integration hook</em> (see the package overview): for a monitoring endpoint; applications await their own groups.
	 * @return a snapshot of the open groups
	 */
	public List<GroupInfo> openGroups() {
		return new ArrayList<>(unfinishedGroups());
	}

	/** The groups not finished now, oldest first: a snapshot of a moving list. */
	private List<Group> unfinishedGroups() {
		List<Group> groups = new ArrayList<>();
		for (LinkedStack.Node n = this.openGroups.top(); n != null; n = n.next) {
			if (!n.isEnded()) {
				groups.add(((Group.Ctx) n).group());
			}
		}
		// The groups listed by their parents' links, level by level (see Group.listedByParent()).
		List<Group> children = new ArrayList<>();
		for (int i = 0; i < groups.size(); i++) {
			children.clear();
			groups.get(i).context.addLinkedChildren(children);
			for (Group child : children) {
				if (child.factory() == this && child.listedByParent()) {
					groups.add(child);
				}
			}
		}
		groups.sort(Comparator.comparingLong(Group::id)); // ids grow with opening; pushes may race
		return groups;
	}

	/**
	 * Shuts the factory: every open group is cancelled with a {@link CancellationException} saying
	 * the factory is shutting down, and from now on {@link #newGroup(String)} and
	 * {@link #group(String)} throw {@link IllegalStateException}. Does not wait for the groups' tasks
	 * (their owners' {@code await} or {@code close} does) and does not shut the executor down.
	 * Idempotent.
	 */
	@Override
	public void close() {
		close("ErrGroupFactory is shutting down");
	}

	/**
	 * Shuts the factory as {@link #close()} does, saying why: each open group's cause is a
	 * {@link CancellationException} whose message starts with {@code reason}, for example "The
	 * application is shutting down".
	 * <p><em>Integration hook</em> (see the package overview): for the shutdown of a container that owns the factory.
	 * @param reason why the factory shuts
	 * @throws NullPointerException if {@code reason} is {@code null}
	 */
	public void close(String reason) {
		Objects.requireNonNull(reason, "reason must not be null");
		if (this.closedReason == null) {
			this.closedReason = reason;
		}
		// Oldest first, so that a parent is cancelled before its children (ids grow with opening): a
		// child then ends with its parent's cause (S14), and its failure never reaches a parent that
		// was not cancelled yet as a failure of its own.
		for (Group group : unfinishedGroups()) {
			cancelForShutdown(group, reason);
		}
	}

	private static void cancelForShutdown(Group group, String reason) {
		group.context.cancel(new CancellationException(reason + ": group '" + group.name() + "' was cancelled"));
	}

	private static void checkName(String name) {
		Objects.requireNonNull(name, "group name must not be null");
		if (name.isBlank()) {
			throw new IllegalArgumentException("group name must not be blank, but was '" + name + "'");
		}
	}

	private void ensureOpen() {
		if (this.closedReason != null) {
			throw new IllegalStateException("ErrGroupFactory is shut down: no new group can be opened");
		}
	}

	ErrGroup open(String name, int limit, Duration timeout, CancelContext parent) {
		ensureOpen();
		Group group = new Group(this, IDS.incrementAndGet(), name, limit, timeout, parent);
		if (!group.listedByParent()) {
			list(group);
		}
		group.opened();
		String reason = this.closedReason;
		if (reason != null) {
			// close() came between ensureOpen() and the push, and its walk may have missed this group:
			// it counts as opened before close(), which cancels it, as close() would have.
			cancelForShutdown(group, reason);
		}
		return group;
	}

	/** Lists a group in the factory's own list: one that no parent of this factory lists; once per group. */
	void list(Group group) {
		this.openGroups.push(group.context);
		this.openGroups.maybeClean();
	}

	/** How many groups the factory's own list links now, finished ones not yet unlinked included; for tests. */
	int listedGroups() {
		return this.openGroups.linked();
	}

	Executor executor() {
		return this.executor;
	}

	/** Runs the blocking guard, if any, on the thread about to block. */
	void beforeBlocking() {
		if (this.blockingGuard != null) {
			this.blockingGuard.run();
		}
	}

	Listeners listeners() {
		return this.listeners;
	}

	DeadlineClock deadlineClock() {
		return this.deadlineClock;
	}

	/** Wraps the task's body; {@code null} when there is no decorator, so nothing is allocated. */
	Runnable decorate(TaskImpl<?> task) {
		if (this.taskDecorator == null) {
			return null;
		}
		return Objects.requireNonNull(this.taskDecorator.apply(task::runBody),
				"the taskDecorator returned null; it must return the runnable to run");
	}

	/**
	 * Builds an {@link ErrGroupFactory}.
	 */
	public static final class Builder {

		private Executor executor;

		private final List<GroupListener> listeners = new ArrayList<>();

		private UnaryOperator<Runnable> taskDecorator;

		private final List<GroupCustomizer> customizers = new ArrayList<>();

		private Runnable blockingGuard;

		private DeadlineClock deadlineClock = DeadlineClock.system();

		private int executorParallelism;

		private Builder() {
		}

		/**
		 * Sets the executor tasks run on. Required.
		 * @param executor the executor
		 * @return this builder
		 * @throws NullPointerException if {@code executor} is {@code null}
		 */
		public Builder executor(Executor executor) {
			this.executor = Objects.requireNonNull(executor, "executor must not be null");
			return this;
		}

		/**
		 * Adds a listener; listeners are called in the order they were added.
		 * @param listener the listener
		 * @return this builder
		 * @throws NullPointerException if {@code listener} is {@code null}
		 */
		public Builder listener(GroupListener listener) {
			this.listeners.add(Objects.requireNonNull(listener, "listener must not be null"));
			return this;
		}

		/**
		 * Sets how each task is wrapped: called by {@code go} on the submitting thread (so it can
		 * capture that thread's context), and the runnable it returns is what runs, on whichever
		 * thread runs the task. It must call {@code run()} on the runnable it was given. Called again,
		 * composes: the first decorator is innermost, as in Spring's {@code CompositeTaskDecorator}.
		 * @param taskDecorator the decorator
		 * @return this builder
		 * @throws NullPointerException if {@code taskDecorator} is {@code null}
		 */
		public Builder taskDecorator(UnaryOperator<Runnable> taskDecorator) {
			Objects.requireNonNull(taskDecorator, "taskDecorator must not be null");
			UnaryOperator<Runnable> previous = this.taskDecorator;
			this.taskDecorator = (previous == null) ? taskDecorator
					: runnable -> taskDecorator.apply(previous.apply(runnable));
			return this;
		}

		/**
		 * Adds a customizer, applied by {@code newGroup(name)} and {@code group(name)} in the order
		 * added, before the caller's own {@link GroupSpec} calls.
		 * @param customizer the customizer
		 * @return this builder
		 * @throws NullPointerException if {@code customizer} is {@code null}
		 */
		public Builder customizer(GroupCustomizer customizer) {
			this.customizers.add(Objects.requireNonNull(customizer, "customizer must not be null"));
			return this;
		}

		/**
		 * Sets a check run on a thread about to block in {@link ErrGroup#await()}, or in a
		 * {@code go} held back by a limit. It throws to refuse: the Spring layer uses it to refuse
		 * blocking on Reactor's non-blocking threads, pointing to {@link ErrGroup#awaitAsync()}.
		 * Called again, both checks run, in order.
		 * <p><em>Integration hook</em> (see the package overview): for frameworks with threads that must not block.
		 * @param guard the check; it returns normally to allow blocking
		 * @return this builder
		 * @throws NullPointerException if {@code guard} is {@code null}
		 */
		public Builder blockingGuard(Runnable guard) {
			Objects.requireNonNull(guard, "blockingGuard must not be null");
			Runnable previous = this.blockingGuard;
			this.blockingGuard = (previous == null) ? guard : () -> {
				previous.run();
				guard.run();
			};
			return this;
		}

		/**
		 * Sets where the groups' deadlines come from: the time a deadline is computed from, and the
		 * timer that fires it (S13, S14). The default is {@link DeadlineClock#system()}; a test sets a
		 * clock it advances, so that an 800 ms timeout takes no 800 ms.
		 * <p><em>Integration hook</em> (see the package overview): for tests.
		 * @param deadlineClock the clock
		 * @return this builder
		 * @throws NullPointerException if {@code deadlineClock} is {@code null}
		 */
		public Builder deadlineClock(DeadlineClock deadlineClock) {
			this.deadlineClock = Objects.requireNonNull(deadlineClock, "deadlineClock must not be null");
			return this;
		}

		/**
		 * Says how many tasks the executor runs at once, for an executor the factory cannot read it
		 * from. It reads it from a {@code ThreadPoolExecutor} with a queue (its core size if the queue
		 * is unbounded, else its maximum size, which a full queue grows it to) and from a
		 * {@code ForkJoinPool} (its parallelism): see {@link ErrGroupFactory#parallelismOf}, which the
		 * Spring Boot starter applies to its {@code ThreadPoolTaskExecutor}'s pool. Any other executor gets
		 * one runnable per task.
		 * <p>With a parallelism of {@code n}, a group hands the executor at most {@code n} runnables that
		 * have not started yet; a task spawned beyond that stays in the group, and each runnable, once
		 * started, runs its group's unclaimed tasks one after another until there are none, handing one
		 * more to the executor whenever one of the group's runnables has started. A fan-out on a busy
		 * pool then costs a few hand-offs instead of one per task; on an idle pool every task still
		 * starts at once. The executor's own statistics (Boot's {@code executor.*} meters) count these
		 * runnables, not tasks; the group's meters count tasks. Every task runs exactly as it would
		 * alone: its decorator, its context and its interrupts are its own (S16).
		 * <p>{@code Integer.MAX_VALUE} turns batching off: one runnable per task, which runs that task.
		 * <p><em>Integration hook</em> (see the package overview): for executors that wrap a pool.
		 * @param parallelism how many tasks the executor runs at once; at least 1
		 * @return this builder
		 * @throws IllegalArgumentException if {@code parallelism} is less than 1
		 */
		public Builder executorParallelism(int parallelism) {
			if (parallelism < 1) {
				throw new IllegalArgumentException("executorParallelism must be at least 1, it was " + parallelism
						+ "; use Integer.MAX_VALUE for one runnable per task");
			}
			this.executorParallelism = parallelism;
			return this;
		}

		/**
		 * Builds the factory.
		 * @return the factory
		 * @throws IllegalStateException if no executor was set
		 */
		public ErrGroupFactory build() {
			if (this.executor == null) {
				throw new IllegalStateException(
						"an executor is required: call executor(...) before build(), or use ErrGroupFactory.create(executor)");
			}
			return new ErrGroupFactory(this);
		}

	}

}
