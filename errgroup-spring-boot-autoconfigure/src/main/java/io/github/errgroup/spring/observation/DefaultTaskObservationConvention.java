package io.github.errgroup.spring.observation;

import io.github.errgroup.Task;
import io.github.errgroup.TaskInfo;
import io.github.errgroup.spring.observation.ErrGroupObservationDocumentation.TaskHighCardinalityKeyNames;
import io.github.errgroup.spring.observation.ErrGroupObservationDocumentation.TaskKeyNames;
import io.micrometer.common.KeyValue;
import io.micrometer.common.KeyValues;

/**
 * The default {@link TaskObservationConvention}: named {@code errgroup.task}, with the contextual name
 * (a span's name) {@code task <task name>} for a named task (S38) and {@code task <group name>} for
 * an unnamed one, the low-cardinality keys {@code group}, {@code outcome} and {@code exception}, and,
 * for a named task, the high-cardinality key {@code errgroup.task.name}. The task's name is never a
 * low-cardinality key: meters are made from those, and their tags must stay bounded (S26).
 */
public class DefaultTaskObservationConvention implements TaskObservationConvention {

	private static final String NAME = "errgroup.task";

	private static final KeyValue OUTCOME_SUCCESS = KeyValue.of(TaskKeyNames.OUTCOME, "success");

	private static final KeyValue OUTCOME_FAILURE = KeyValue.of(TaskKeyNames.OUTCOME, "failure");

	private static final KeyValue OUTCOME_CANCELLED = KeyValue.of(TaskKeyNames.OUTCOME, "cancelled");

	private static final KeyValue OUTCOME_UNKNOWN = KeyValue.of(TaskKeyNames.OUTCOME, "unknown");

	private static final KeyValue EXCEPTION_NONE = KeyValue.of(TaskKeyNames.EXCEPTION, KeyValue.NONE_VALUE);

	/**
	 * Creates the default convention.
	 */
	public DefaultTaskObservationConvention() {
	}

	@Override
	public String getName() {
		return NAME;
	}

	@Override
	public String getContextualName(TaskObservationContext context) {
		TaskInfo task = context.getTask();
		return "task " + task.name().orElseGet(() -> task.group().name());
	}

	@Override
	public KeyValues getLowCardinalityKeyValues(TaskObservationContext context) {
		return KeyValues.of(group(context), outcome(context), exception(context));
	}

	@Override
	public KeyValues getHighCardinalityKeyValues(TaskObservationContext context) {
		return context.getTask().name().map((name) -> KeyValues.of(name(context, name))).orElse(KeyValues.empty());
	}

	/**
	 * Returns the {@code errgroup.task.name} key value of a named task (S38).
	 * @param context the observation's context
	 * @param name the task's name
	 * @return the key value
	 */
	protected KeyValue name(TaskObservationContext context, String name) {
		return KeyValue.of(TaskHighCardinalityKeyNames.NAME, name);
	}

	/**
	 * Returns the {@code group} key value: the name of the task's group.
	 * @param context the observation's context
	 * @return the key value
	 */
	protected KeyValue group(TaskObservationContext context) {
		return KeyValue.of(TaskKeyNames.GROUP, context.getTask().group().name());
	}

	/**
	 * Returns the {@code outcome} key value, from the task's state.
	 * @param context the observation's context
	 * @return the key value: {@code success}, {@code failure}, {@code cancelled}, or {@code unknown}
	 * while the task has not ended
	 */
	protected KeyValue outcome(TaskObservationContext context) {
		switch (context.getTask().state()) {
			case SUCCESS:
				return OUTCOME_SUCCESS;
			case FAILED:
				return OUTCOME_FAILURE;
			case CANCELLED:
				return OUTCOME_CANCELLED;
			default:
				return OUTCOME_UNKNOWN;
		}
	}

	/**
	 * Returns the {@code exception} key value: the simple class name of what a failed task threw.
	 * @param context the observation's context
	 * @return the key value, {@value KeyValue#NONE_VALUE} unless the task failed
	 */
	protected KeyValue exception(TaskObservationContext context) {
		TaskInfo task = context.getTask();
		if (task.state() != Task.State.FAILED) {
			return EXCEPTION_NONE;
		}
		return task.exception().map((ex) -> {
			String name = ex.getClass().getSimpleName();
			return KeyValue.of(TaskKeyNames.EXCEPTION, name.isEmpty() ? ex.getClass().getName() : name);
		}).orElse(EXCEPTION_NONE);
	}

}
