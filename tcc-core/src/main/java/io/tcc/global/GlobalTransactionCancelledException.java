package io.tcc.global;

import io.tcc.TccException;

/**
 * The initiator method returned normally, yet the transaction was cancelled: a try failed and the method went on, the
 * deadline passed, or recovery decided cancel first. Every branch is being cancelled; the business result is void.
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
