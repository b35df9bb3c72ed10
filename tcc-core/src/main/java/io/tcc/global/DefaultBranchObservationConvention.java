package io.tcc.global;

import java.util.Locale;

import io.micrometer.common.KeyValues;
import io.tcc.participant.ParticipantCallFailure;

/**
 * {@code tcc.branch}: one branch call of the initiator. Low-cardinality tags: {@code participant} ("local" for this
 * process's own), {@code action}, {@code phase} (try, confirm, cancel), {@code outcome} (SUCCESS; FAILURE: definite,
 * the participant refused or the call provably never left; UNKNOWN: the participant may have acted) and {@code driver}
 * (caller, pool, recovery). High-cardinality: {@code tcc.xid}, {@code tcc.branch}.
 */
public class DefaultBranchObservationConvention implements BranchObservationConvention {

    public static final DefaultBranchObservationConvention INSTANCE = new DefaultBranchObservationConvention();

    @Override
    public String getName() {
        return "tcc.branch";
    }

    @Override
    public String getContextualName(BranchObservationContext context) {
        return "tcc " + phase(context) + " " + context.branch().participant() + " " + context.branch().action();
    }

    @Override
    public KeyValues getLowCardinalityKeyValues(BranchObservationContext context) {
        return KeyValues.of("participant", context.branch().participant(), "action", context.branch().action(),
                "phase", phase(context), "outcome", outcome(context),
                "driver", context.driver().name().toLowerCase(Locale.ROOT));
    }

    @Override
    public KeyValues getHighCardinalityKeyValues(BranchObservationContext context) {
        return KeyValues.of("tcc.xid", context.branch().xid(), "tcc.branch", context.branch().branchId());
    }

    protected String outcome(BranchObservationContext context) {
        Throwable error = context.getError();
        if (error == null) {
            return "SUCCESS";
        }
        return error instanceof ParticipantCallFailure call && call.outcomeUnknown() ? "UNKNOWN" : "FAILURE";
    }

    private static String phase(BranchObservationContext context) {
        return context.phase().name().toLowerCase(Locale.ROOT);
    }
}
