package io.github.errgroup.spring.observation;

import java.util.Objects;

import io.github.errgroup.TaskInfo;
import io.micrometer.observation.Observation;

/**
 * Context of the {@link ErrGroupObservationDocumentation#TASK errgroup.task} observation: the task,
 * as listeners see it, whose final state conventions read when the observation stops.
 */
public class TaskObservationContext extends Observation.Context {

	private final TaskInfo task;

	/**
	 * Creates the context of a task's observation.
	 * @param task the task
	 */
	public TaskObservationContext(TaskInfo task) {
		this.task = Objects.requireNonNull(task, "task must not be null");
	}

	/**
	 * Returns the observed task.
	 * @return the task
	 */
	public TaskInfo getTask() {
		return this.task;
	}

}
