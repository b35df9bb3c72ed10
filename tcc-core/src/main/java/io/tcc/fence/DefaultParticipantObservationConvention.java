package io.tcc.fence;

import java.util.Locale;

import io.micrometer.common.KeyValues;

/**
 * {@code tcc.participant}: one fenced call at a participant. Low-cardinality tags: {@code action}, {@code phase}
 * (try, confirm, cancel) and {@code result}: how the fence settled it ({@link FenceOutcome}: EXECUTED, DUPLICATE,
 * EMPTY_CANCEL, CLEANED_UP), or REFUSED (a try refused: its branch was cancelled first, or its deadline passed),
 * VIOLATION (a protocol violation) and FAILED (the business method or the database failed; nothing committed).
 * High-cardinality: {@code tcc.xid}, {@code tcc.branch}.
 */
public class DefaultParticipantObservationConvention implements ParticipantObservationConvention {

    public static final DefaultParticipantObservationConvention INSTANCE = new DefaultParticipantObservationConvention();

    @Override
    public String getName() {
        return "tcc.participant";
    }

    @Override
    public String getContextualName(ParticipantObservationContext context) {
        return "tcc " + phase(context) + " " + context.action();
    }

    @Override
    public KeyValues getLowCardinalityKeyValues(ParticipantObservationContext context) {
        return KeyValues.of("action", context.action(), "phase", phase(context), "result", result(context));
    }

    @Override
    public KeyValues getHighCardinalityKeyValues(ParticipantObservationContext context) {
        return KeyValues.of("tcc.xid", context.key().xid(), "tcc.branch", context.key().branchId());
    }

    protected String result(ParticipantObservationContext context) {
        if (context.outcome() != null) {
            return context.outcome().name();
        }
        Throwable error = context.getError();
        if (error == null) {
            return "UNKNOWN"; // still running (a tag read at start)
        }
        return error instanceof TryRefusedException ? "REFUSED"
                : error instanceof ProtocolViolationException ? "VIOLATION" : "FAILED";
    }

    private static String phase(ParticipantObservationContext context) {
        return context.phase().name().toLowerCase(Locale.ROOT);
    }
}
