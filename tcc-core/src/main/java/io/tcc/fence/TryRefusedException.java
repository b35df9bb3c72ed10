package io.tcc.fence;

import io.tcc.TccException;

/**
 * A definite rejection of a try: the business method did not run and nothing was recorded.
 * The initiator must cancel the transaction; sending the same try again is refused again.
 */
public class TryRefusedException extends TccException {

    public enum Reason {
        /** The branch was cancelled before this try arrived (suspension, or a hanging try). */
        SUSPENDED,
        /** The try arrived after the transaction's deadline, by the participant database's clock. */
        DEADLINE_PASSED
    }

    private final BranchKey key;
    private final Reason reason;

    public TryRefusedException(BranchKey key, Reason reason) {
        super("try refused for " + key + ": " + (reason == Reason.SUSPENDED
                ? "the branch was cancelled before this try arrived (empty rollback recorded); the late try is not run"
                : "the transaction's deadline has passed; the initiator will cancel it"));
        this.key = key;
        this.reason = reason;
    }

    public BranchKey key() {
        return key;
    }

    public Reason reason() {
        return reason;
    }
}
