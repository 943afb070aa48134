package io.github.errgroup.spring.observation;

import java.util.Objects;

import io.github.errgroup.GroupInfo;
import io.micrometer.observation.Observation;

/**
 * Context of the {@link ErrGroupObservationDocumentation#GROUP errgroup.group} observation: the group,
 * as listeners see it, whose state and outcome conventions read when the observation stops.
 */
public class GroupObservationContext extends Observation.Context {

	private final GroupInfo group;

	/**
	 * Creates the context of a group's observation.
	 * @param group the group
	 */
	public GroupObservationContext(GroupInfo group) {
		this.group = Objects.requireNonNull(group, "group must not be null");
	}

	/**
	 * Returns the observed group.
	 * @return the group
	 */
	public GroupInfo getGroup() {
		return this.group;
	}

}
