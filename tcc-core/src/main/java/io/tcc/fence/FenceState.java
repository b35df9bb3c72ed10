package io.tcc.fence;

/**
 * The state of one branch in the participant's transaction log. A branch with no row is "absent":
 * no try and no cancel reached this participant yet.
 */
public enum FenceState {
    /** The try ran and committed: the resource is reserved. */
    TRIED,
    /** The confirm ran and committed: the reservation is consumed. */
    CONFIRMED,
    /** The cancel ran (or, with {@code empty_cancel}, was recorded before any try): later tries are refused. */
    CANCELLED;

    public boolean isFinished() {
        return this != TRIED;
    }
}
