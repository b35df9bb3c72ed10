package io.tcc.global;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationConvention;

/**
 * Names and tags the {@code tcc.transaction} observation; implement it (or extend
 * {@link DefaultTransactionObservationConvention}) to rename or retag, and hand it to the coordinator through
 * {@link CoordinatorObservations} (Boot: declare it as a bean).
 */
public interface TransactionObservationConvention extends ObservationConvention<TransactionObservationContext> {

    @Override
    default boolean supportsContext(Observation.Context context) {
        return context instanceof TransactionObservationContext;
    }
}
