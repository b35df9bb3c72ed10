package io.tcc.global;

import io.tcc.TccException;

/**
 * A branch's confirm or cancel cannot reach its participant because of how the deployment is configured: nothing
 * serves the participant's endpoints at the address used (they are turned off there, or the address is wrong).
 * Nothing ran at the participant. Retrying cannot help until the setting named in the message is fixed, so recovery
 * flags the transaction for an operator at once instead of backing off through its attempts.
 */
public class UnreachableBranchException extends TccException {

    public UnreachableBranchException(String message) {
        super(message);
    }

    /**
     * True when a branch's recorded last outcome is this exception: the log keeps outcomes as text, so recovery, which
     * reads the branch afresh, recognises it by the class name the outcome starts its description with.
     */
    public static boolean isRecordedIn(String lastOutcome) {
        return lastOutcome != null && lastOutcome.contains(UnreachableBranchException.class.getName());
    }
}
