package io.tcc.global;

import io.tcc.TccException;

/**
 * A branch could not be registered because its global transaction was already decided or past its deadline
 * (a slow initiator). The try was not sent; the transaction will be cancelled.
 */
public class BranchRegistrationRefusedException extends TccException {

    public BranchRegistrationRefusedException(String xid, String action) {
        super("branch for action '" + action + "' not registered: global transaction " + xid
                + " is no longer TRYING or its deadline passed; the try was not sent");
    }
}
