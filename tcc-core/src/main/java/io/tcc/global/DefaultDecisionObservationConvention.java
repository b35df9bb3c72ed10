package io.tcc.global;

import java.util.Locale;

import io.micrometer.common.KeyValues;

/**
 * {@code tcc.decision}: one decision written to the initiator's log. Low-cardinality tags: {@code wanted} (confirm,
 * cancel), {@code outcome} (CONFIRM, CANCEL: what the log holds afterwards, the other one when another party decided
 * first; UNKNOWN: the log could not be written) and {@code driver} (caller, recovery). High-cardinality:
 * {@code tcc.xid}.
 */
public class DefaultDecisionObservationConvention implements DecisionObservationConvention {

    public static final DefaultDecisionObservationConvention INSTANCE = new DefaultDecisionObservationConvention();

    @Override
    public String getName() {
        return "tcc.decision";
    }

    @Override
    public String getContextualName(DecisionObservationContext context) {
        return "tcc decide " + name(context.wanted()).toLowerCase(Locale.ROOT);
    }

    @Override
    public KeyValues getLowCardinalityKeyValues(DecisionObservationContext context) {
        return KeyValues.of("wanted", name(context.wanted()).toLowerCase(Locale.ROOT),
                "outcome", context.decided() == null ? "UNKNOWN" : name(context.decided()),
                "driver", context.driver().name().toLowerCase(Locale.ROOT));
    }

    @Override
    public KeyValues getHighCardinalityKeyValues(DecisionObservationContext context) {
        return KeyValues.of("tcc.xid", context.xid());
    }

    /** CONFIRM or CANCEL, for a decided state. */
    private static String name(GlobalState decided) {
        return decided.finalState() == GlobalState.CONFIRMED ? "CONFIRM" : "CANCEL";
    }
}
