package io.tcc.global;

import io.micrometer.common.KeyValues;

/**
 * {@code tcc.transaction}: one global transaction at its initiator. Low-cardinality tags: {@code transaction} (its name,
 * or "none"), {@code outcome} (CONFIRMED, CANCELLED, or UNKNOWN: decided but phase two not finished here, left to
 * recovery, or no decision known) and {@code phase.two} (SYNC, ASYNC). High-cardinality: {@code tcc.xid}.
 */
public class DefaultTransactionObservationConvention implements TransactionObservationConvention {

    public static final DefaultTransactionObservationConvention INSTANCE = new DefaultTransactionObservationConvention();

    @Override
    public String getName() {
        return "tcc.transaction";
    }

    @Override
    public String getContextualName(TransactionObservationContext context) {
        return "tcc " + name(context);
    }

    @Override
    public KeyValues getLowCardinalityKeyValues(TransactionObservationContext context) {
        return KeyValues.of("transaction", name(context), "outcome", outcome(context), "phase.two", context.mode().name());
    }

    @Override
    public KeyValues getHighCardinalityKeyValues(TransactionObservationContext context) {
        return KeyValues.of("tcc.xid", context.xid());
    }

    protected String outcome(TransactionObservationContext context) {
        GlobalState state = context.state();
        return state != null && state.isFinished() ? state.name() : "UNKNOWN";
    }

    private static String name(TransactionObservationContext context) {
        return context.transactionName() == null ? "none" : context.transactionName();
    }
}
