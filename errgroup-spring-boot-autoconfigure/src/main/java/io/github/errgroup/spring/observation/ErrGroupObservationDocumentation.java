package io.github.errgroup.spring.observation;

import io.micrometer.common.KeyValue;
import io.micrometer.common.docs.KeyName;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationConvention;
import io.micrometer.observation.docs.ObservationDocumentation;

/**
 * The observations of errgroup (S27) and their {@link KeyValue KeyValues}: of low cardinality, but
 * for a named task's name (S38), which goes to spans only, never to meters. With Micrometer Tracing, each observation is a span: the request's span (or whatever
 * observation was current where the group was opened) is the parent of the group's span, and each
 * task's span is the child of its group's, whichever thread ran the task.
 *
 * <p>This class is used by automated tools to document the KeyValues attached to the observations.
 */
public enum ErrGroupObservationDocumentation implements ObservationDocumentation {

	/**
	 * A group, from the moment it is opened until it has finished: every task ended and
	 * {@code await()} returned, or {@code close()} ran. Its parent is the observation current on the
	 * thread that opened the group.
	 */
	GROUP {
		@Override
		public Class<? extends ObservationConvention<? extends Observation.Context>> getDefaultConvention() {
			return DefaultGroupObservationConvention.class;
		}

		@Override
		public KeyName[] getLowCardinalityKeyNames() {
			return GroupKeyNames.values();
		}

		@Override
		public KeyName[] getHighCardinalityKeyNames() {
			return new KeyName[] {};
		}
	},

	/**
	 * A task, from {@code go()} to its final state, so that time spent queued, or held back by the
	 * group's limit, shows. A child of its group's observation; open in scope around the task's body,
	 * on whichever thread runs it, so that what the body observes (an outgoing HTTP call, a nested
	 * group) is the task's child.
	 */
	TASK {
		@Override
		public Class<? extends ObservationConvention<? extends Observation.Context>> getDefaultConvention() {
			return DefaultTaskObservationConvention.class;
		}

		@Override
		public KeyName[] getLowCardinalityKeyNames() {
			return TaskKeyNames.values();
		}

		@Override
		public KeyName[] getHighCardinalityKeyNames() {
			return TaskHighCardinalityKeyNames.values();
		}
	};

	/**
	 * Low-cardinality keys of {@link #GROUP}.
	 */
	public enum GroupKeyNames implements KeyName {

		/**
		 * Name of the group.
		 */
		GROUP {
			@Override
			public String asString() {
				return "group";
			}
		},

		/**
		 * How the group ended: {@code success} (every task succeeded), {@code failure} (a task
		 * failed), {@code cancelled} (cancelled from outside: {@code cancel}, its deadline, its parent,
		 * {@code close()} before {@code await()}), or {@code unknown} while it runs.
		 */
		OUTCOME {
			@Override
			public String asString() {
				return "outcome";
			}
		}

	}

	/**
	 * Low-cardinality keys of {@link #TASK}.
	 */
	public enum TaskKeyNames implements KeyName {

		/**
		 * Name of the task's group.
		 */
		GROUP {
			@Override
			public String asString() {
				return "group";
			}
		},

		/**
		 * How the task ended: {@code success}, {@code failure} or {@code cancelled} (dropped before it
		 * started, or stopped by its group's cancellation); {@code unknown} while it runs.
		 */
		OUTCOME {
			@Override
			public String asString() {
				return "outcome";
			}
		},

		/**
		 * Simple class name of the exception a failed task threw, or {@value KeyValue#NONE_VALUE}.
		 */
		EXCEPTION {
			@Override
			public String asString() {
				return "exception";
			}
		}

	}

	/**
	 * High-cardinality keys of {@link #TASK}: on spans, never on meters.
	 */
	public enum TaskHighCardinalityKeyNames implements KeyName {

		/**
		 * Name given to {@code go(name, task)} (S38); absent for an unnamed task.
		 */
		NAME {
			@Override
			public String asString() {
				return "errgroup.task.name";
			}

			@Override
			public boolean isRequired() {
				return false;
			}
		}

	}

}
