package io.tcc.global;

import io.tcc.TccException;

/**
 * The initiator method returned normally, yet the transaction was cancelled: a try failed and the method went on, or
 * recovery (past the deadline plus {@code tcc.recovery-margin}) or an operator decided cancel before the initiator
 * decided confirm; the message says which. Every branch is being cancelled; the business result is void. Should the
 * cancel itself not be logged, that failure is attached as suppressed and recovery cancels the transaction.
 */
public class GlobalTransactionCancelledException extends TccException {

    private final String xid;

    public GlobalTransactionCancelledException(String xid, String reason) {
        super("global transaction " + xid + " was cancelled: " + reason);
        this.xid = xid;
    }

    public String xid() {
        return xid;
    }
}
