package io.tcc.fence;

import io.tcc.TccException;

/**
 * A definite refusal on PostgreSQL: the call joined the caller's REPEATABLE READ (or SERIALIZABLE) transaction, whose
 * snapshot was taken before the branch's row last changed, and the call would have to change that row, which such a
 * snapshot may not touch. Nothing was written and the caller's transaction is still usable (the fence works under a
 * savepoint there). Run the confirm or cancel in a transaction of its own (the fence opens one when none is active) or
 * at READ COMMITTED.
 */
public class SnapshotTooOldException extends TccException {

    public SnapshotTooOldException(BranchKey key, FencePhase phase, FenceState committed) {
        super(phase + " of " + key + " cannot run inside the caller's REPEATABLE READ (or SERIALIZABLE) transaction on"
                + " PostgreSQL: its snapshot predates"
                + " the branch's committed state " + committed + ", which PostgreSQL does not let this transaction change."
                + " Nothing was written and the caller's transaction is still usable; run the " + phase.name().toLowerCase()
                + " outside it (the fence then opens a transaction of its own) or at READ COMMITTED");
    }
}
