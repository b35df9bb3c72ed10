package io.tcc.global;

import io.tcc.TccException;

/** A participant's try was called with no global transaction running on the thread: nothing ran. */
public class NoGlobalTransactionException extends TccException {

    public NoGlobalTransactionException(String action) {
        super("the try of action '" + action + "' was called outside a global transaction; start one with"
                + " @GlobalTransaction or TccTemplate, or hand the transaction to this thread with TransactionContext.wrap");
    }
}
