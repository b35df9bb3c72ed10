package io.tcc.global;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationConvention;

/**
 * Names and tags the {@code tcc.decision} observation; implement it (or extend
 * {@link DefaultDecisionObservationConvention}) to rename or retag, and hand it to the coordinator through
 * {@link CoordinatorObservations} (Boot: declare it as a bean).
 */
public interface DecisionObservationConvention extends ObservationConvention<DecisionObservationContext> {

    @Override
    default boolean supportsContext(Observation.Context context) {
        return context instanceof DecisionObservationContext;
    }
}
