package io.tcc.global;

import java.util.EnumSet;
import java.util.Set;

/** The state of one branch in the initiator's log. */
public enum BranchState {
    /** Written durably before the try is sent: the try may have run, so phase two must reach this branch. */
    REGISTERED,
    CONFIRMED,
    CANCELLED;

    public boolean canMoveTo(BranchState to) {
        Set<BranchState> next = this == REGISTERED ? EnumSet.of(CONFIRMED, CANCELLED) : EnumSet.noneOf(BranchState.class);
        return next.contains(to);
    }

    /** @throws IllegalTransitionException when the step is not allowed */
    public BranchState requireMoveTo(BranchState to) {
        if (!canMoveTo(to)) {
            throw new IllegalTransitionException("branch", this, to);
        }
        return to;
    }

    /** The state phase two moves a branch to under a decided global state. */
    public static BranchState after(GlobalState decided) {
        return decided.finalState() == GlobalState.CONFIRMED ? CONFIRMED : CANCELLED;
    }
}
