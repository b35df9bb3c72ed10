package io.tcc.global;

import java.util.EnumSet;
import java.util.Set;

/**
 * The state of a global transaction in the initiator's log. The decision (TRYING to CONFIRMING or CANCELLING) is a
 * compare-and-set and is never reversed; a failed confirm is retried as a confirm.
 */
public enum GlobalState {
    /** Branches are being tried; nothing is decided. */
    TRYING,
    /** Decided: every try succeeded. Phase two confirms every branch. */
    CONFIRMING,
    /** Decided: some try failed, timed out or is unknown. Phase two cancels every registered branch. */
    CANCELLING,
    CONFIRMED,
    CANCELLED;

    private Set<GlobalState> next() {
        return switch (this) {
            case TRYING -> EnumSet.of(CONFIRMING, CANCELLING);
            case CONFIRMING -> EnumSet.of(CONFIRMED);
            case CANCELLING -> EnumSet.of(CANCELLED);
            case CONFIRMED, CANCELLED -> EnumSet.noneOf(GlobalState.class);
        };
    }

    public boolean canMoveTo(GlobalState to) {
        return next().contains(to);
    }

    /** @throws IllegalTransitionException when the table above has no such step */
    public GlobalState requireMoveTo(GlobalState to) {
        if (!canMoveTo(to)) {
            throw new IllegalTransitionException("global transaction", this, to);
        }
        return to;
    }

    public boolean isDecided() {
        return this != TRYING;
    }

    public boolean isFinished() {
        return this == CONFIRMED || this == CANCELLED;
    }

    /** The state phase two ends in, for a decided state. */
    public GlobalState finalState() {
        return switch (this) {
            case CONFIRMING, CONFIRMED -> CONFIRMED;
            case CANCELLING, CANCELLED -> CANCELLED;
            case TRYING -> throw new IllegalTransitionException("undecided global transaction", TRYING, CONFIRMED);
        };
    }
}
