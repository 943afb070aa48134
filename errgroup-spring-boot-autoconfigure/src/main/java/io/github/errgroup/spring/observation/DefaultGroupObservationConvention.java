package io.github.errgroup.spring.observation;

import io.github.errgroup.GroupInfo;
import io.github.errgroup.Task;
import io.github.errgroup.spring.observation.ErrGroupObservationDocumentation.GroupKeyNames;
import io.micrometer.common.KeyValue;
import io.micrometer.common.KeyValues;

/**
 * The default {@link GroupObservationConvention}: named {@code errgroup.group}, with the contextual
 * name (a span's name) {@code group <name>} and the low-cardinality keys {@code group} and
 * {@code outcome}.
 */
public class DefaultGroupObservationConvention implements GroupObservationConvention {

	private static final String NAME = "errgroup.group";

	private static final KeyValue OUTCOME_SUCCESS = KeyValue.of(GroupKeyNames.OUTCOME, "success");

	private static final KeyValue OUTCOME_FAILURE = KeyValue.of(GroupKeyNames.OUTCOME, "failure");

	private static final KeyValue OUTCOME_CANCELLED = KeyValue.of(GroupKeyNames.OUTCOME, "cancelled");

	private static final KeyValue OUTCOME_UNKNOWN = KeyValue.of(GroupKeyNames.OUTCOME, "unknown");

	/**
	 * Creates the default convention.
	 */
	public DefaultGroupObservationConvention() {
	}

	@Override
	public String getName() {
		return NAME;
	}

	@Override
	public String getContextualName(GroupObservationContext context) {
		return "group " + context.getGroup().name();
	}

	@Override
	public KeyValues getLowCardinalityKeyValues(GroupObservationContext context) {
		return KeyValues.of(group(context), outcome(context));
	}

	/**
	 * Returns the {@code group} key value: the group's name.
	 * @param context the observation's context
	 * @return the key value
	 */
	protected KeyValue group(GroupObservationContext context) {
		return KeyValue.of(GroupKeyNames.GROUP, context.getGroup().name());
	}

	/**
	 * Returns the {@code outcome} key value, read from the group once it has finished.
	 * @param context the observation's context
	 * @return the key value: {@code success}, {@code failure}, {@code cancelled}, or {@code unknown}
	 * while the group runs
	 */
	protected KeyValue outcome(GroupObservationContext context) {
		GroupInfo group = context.getGroup();
		GroupInfo.State state = group.state();
		if (state != GroupInfo.State.AWAITED && state != GroupInfo.State.CLOSED) {
			return OUTCOME_UNKNOWN;
		}
		if (group.failure().isEmpty()) {
			return OUTCOME_SUCCESS;
		}
		return (group.taskCount(Task.State.FAILED) > 0) ? OUTCOME_FAILURE : OUTCOME_CANCELLED;
	}

}
