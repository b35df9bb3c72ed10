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

    /** What a call whose own step cannot run makes of a row it finds in this state. */
    public enum Found {
        /** The call's step is done already: answered as a success, nothing runs again. */
        DUPLICATE,
        /** A try after its cancel: refused. */
        SUSPENDED,
        /** The call contradicts the row (confirm of a cancelled branch, cancel of a confirmed one). */
        VIOLATION,
        /** Another call moved the row between two statements of this one: run this one again. */
        MOVING
    }

    public boolean isFinished() {
        return this != TRIED;
    }

    /** The fence's table: for each call and the state its row is found in, when the call's own step did not run. */
    public Found found(FencePhase call) {
        return switch (call) {
            case TRY -> this == CANCELLED ? Found.SUSPENDED : Found.DUPLICATE;
            case CONFIRM -> switch (this) {
                case TRIED -> Found.MOVING;
                case CONFIRMED -> Found.DUPLICATE;
                case CANCELLED -> Found.VIOLATION;
            };
            case CANCEL -> switch (this) {
                case TRIED -> Found.MOVING;
                case CONFIRMED -> Found.VIOLATION;
                case CANCELLED -> Found.DUPLICATE;
            };
        };
    }
}
