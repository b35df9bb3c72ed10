package io.tcc.fence;

import io.tcc.TccException;

/**
 * The fenced transaction kept losing lock conflicts (deadlocks, lock-wait timeouts, serialization failures)
 * and was given up after the configured retries, or it ran inside the caller's transaction, which the database
 * has already rolled back and which only the caller can run again. Nothing was recorded: the call's outcome
 * is a definite "not done", and calling again is safe.
 */
public class FenceConflictException extends TccException {

    public FenceConflictException(BranchKey key, FencePhase phase, int attempts, boolean joined, Throwable conflict) {
        super(phase + " of " + key + " lost a lock conflict " + attempts + " time(s)"
                + (joined ? " inside the caller's transaction, which must be run again as a whole"
                          : "; giving up, call again later") + ": " + conflict.getMessage(), conflict);
    }
}
