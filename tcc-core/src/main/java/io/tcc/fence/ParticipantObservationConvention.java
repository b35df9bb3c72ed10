package io.tcc.fence;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationConvention;

/**
 * Names and tags the {@code tcc.participant} observation; implement it (or extend
 * {@link DefaultParticipantObservationConvention}) to rename or retag, and hand it to the fence (Boot: declare it as a
 * bean).
 */
public interface ParticipantObservationConvention extends ObservationConvention<ParticipantObservationContext> {

    @Override
    default boolean supportsContext(Observation.Context context) {
        return context instanceof ParticipantObservationContext;
    }
}
