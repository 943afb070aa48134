package io.github.errgroup.spring.observation;

import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

import io.github.errgroup.ErrGroupFactory;
import io.github.errgroup.GroupInfo;
import io.github.errgroup.GroupListener;
import io.github.errgroup.Task;
import io.github.errgroup.TaskInfo;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import org.jspecify.annotations.Nullable;

/**
 * Makes each group and each task a Micrometer {@link Observation} (S27), as
 * {@link ErrGroupObservationDocumentation} documents, from the core's {@link GroupListener} events:
 * <ul>
 * <li>{@code errgroup.group} starts when the group is opened, as a child of the observation current
 * on the opening thread (the web request's, or the task's that opens a nested group), and stops when
 * the group has finished, with the group's failure as its error;</li>
 * <li>{@code errgroup.task} starts at {@code go()} as a child of its group's observation, is open in
 * scope on the thread that runs the body for as long as the body runs (the engine calls
 * {@code taskStarted} and {@code taskFinished} on that thread, around the body), and stops when the
 * task reaches its final state, with what a failed task threw as its error. A task dropped before it
 * started is observed too, with outcome {@code cancelled}, so a trace shows the whole fan-out.</li>
 * </ul>
 * Register it with an {@link ErrGroupFactory.Builder#listener(GroupListener)}; in Spring Boot, the
 * auto-configured factory does that.
 */
public final class ErrGroupObservations implements GroupListener {

	private static final GroupObservationConvention DEFAULT_GROUP_CONVENTION = new DefaultGroupObservationConvention();

	private static final TaskObservationConvention DEFAULT_TASK_CONVENTION = new DefaultTaskObservationConvention();

	private final ObservationRegistry registry;

	private final @Nullable GroupObservationConvention groupConvention;

	private final @Nullable TaskObservationConvention taskConvention;

	/** From groupOpened to groupClosed; a group's identity is its key. */
	private final Map<GroupInfo, Observation> groups = new ConcurrentHashMap<>();

	/** From taskSpawned to taskFinished; a task's identity is its key. */
	private final Map<TaskInfo, TaskObservation> tasks = new ConcurrentHashMap<>();

	/**
	 * Creates the listener with the default conventions.
	 * @param registry the registry of the observations
	 */
	public ErrGroupObservations(ObservationRegistry registry) {
		this(registry, null, null);
	}

	/**
	 * Creates the listener.
	 * @param registry the registry of the observations
	 * @param groupConvention the convention of {@code errgroup.group}, or {@code null} for
	 * {@link DefaultGroupObservationConvention} (unless the registry has a global one)
	 * @param taskConvention the convention of {@code errgroup.task}, or {@code null} for
	 * {@link DefaultTaskObservationConvention} (unless the registry has a global one)
	 */
	public ErrGroupObservations(ObservationRegistry registry, @Nullable GroupObservationConvention groupConvention,
			@Nullable TaskObservationConvention taskConvention) {
		this.registry = Objects.requireNonNull(registry, "registry must not be null");
		this.groupConvention = groupConvention;
		this.taskConvention = taskConvention;
	}

	/**
	 * Starts the group's observation; its parent is the observation current on this thread, the
	 * thread that opened the group.
	 * @param group the group
	 */
	@Override
	public void groupOpened(GroupInfo group) {
		if (this.registry.isNoop()) {
			return;
		}
		Observation observation = ErrGroupObservationDocumentation.GROUP.observation(this.groupConvention,
				DEFAULT_GROUP_CONVENTION, () -> new GroupObservationContext(group), this.registry);
		if (!observation.isNoop()) {
			this.groups.put(group, observation.start());
		}
	}

	/**
	 * Stops the group's observation, with the group's failure, if any, as its error.
	 * @param group the group, finished
	 */
	@Override
	public void groupClosed(GroupInfo group) {
		Observation observation = this.groups.remove(group);
		if (observation != null) {
			group.failure().ifPresent((failure) -> observation.error(failure.getCause()));
			observation.stop();
		}
	}

	/**
	 * Starts the task's observation, as a child of its group's, on the thread that called
	 * {@code go()}.
	 * @param task the task
	 */
	@Override
	public void taskSpawned(TaskInfo task) {
		if (this.registry.isNoop()) {
			return;
		}
		Observation observation = ErrGroupObservationDocumentation.TASK.observation(this.taskConvention,
				DEFAULT_TASK_CONVENTION, () -> new TaskObservationContext(task), this.registry);
		if (observation.isNoop()) {
			return;
		}
		Observation group = this.groups.get(task.group());
		if (group == null) {
			this.tasks.put(task, new TaskObservation(observation.start()));
			return;
		}
		// The parent is the group's observation, not the one current on the spawning thread (the
		// request's, or a sibling task's). Setting it is not enough for tracing: a tracing handler
		// takes a current span that differs from the parent's for a span the user made by hand, and
		// prefers it. So the group is made current for the start, on this thread only.
		observation.parentObservation(group);
		try (Observation.Scope scope = group.openScope()) {
			observation.start();
		}
		this.tasks.put(task, new TaskObservation(observation));
	}

	/**
	 * Opens the task's observation in scope on this thread, the one about to run its body.
	 * @param task the task
	 */
	@Override
	public void taskStarted(TaskInfo task) {
		TaskObservation observation = this.tasks.get(task);
		if (observation != null) {
			observation.scope = observation.observation.openScope();
		}
	}

	/**
	 * Closes the task's scope, on the thread that opened it, and stops its observation, with what a
	 * failed task threw as its error.
	 * @param task the task, in its final state
	 */
	@Override
	public void taskFinished(TaskInfo task) {
		TaskObservation observation = this.tasks.remove(task);
		if (observation == null) {
			return;
		}
		if (task.state() == Task.State.FAILED) {
			task.exception().ifPresent(observation.observation::error);
		}
		Observation.Scope scope = observation.scope;
		if (scope != null) {
			// taskFinished runs on the thread that ran taskStarted, still inside the task decorator's
			// restored context, so closing here restores exactly what the decorator had set.
			scope.close();
		}
		observation.observation.stop();
	}

	private static final class TaskObservation {

		private final Observation observation;

		/** Opened by taskStarted and closed by taskFinished, both on the thread that runs the body. */
		private Observation.@Nullable Scope scope;

		TaskObservation(Observation observation) {
			this.observation = observation;
		}

	}

}
