package io.github.errgroup.spring.observation;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationConvention;

/**
 * {@link ObservationConvention} for the {@link ErrGroupObservationDocumentation#TASK errgroup.task}
 * observation. A bean of this type replaces {@link DefaultTaskObservationConvention}; extend that one
 * to add key values.
 */
public interface TaskObservationConvention extends ObservationConvention<TaskObservationContext> {

	@Override
	default boolean supportsContext(Observation.Context context) {
		return context instanceof TaskObservationContext;
	}

}
