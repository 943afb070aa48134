package io.github.errgroup.spring.observation;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationConvention;

/**
 * {@link ObservationConvention} for the {@link ErrGroupObservationDocumentation#GROUP errgroup.group}
 * observation. A bean of this type replaces {@link DefaultGroupObservationConvention}; extend that one
 * to add key values.
 */
public interface GroupObservationConvention extends ObservationConvention<GroupObservationContext> {

	@Override
	default boolean supportsContext(Observation.Context context) {
		return context instanceof GroupObservationContext;
	}

}
