package io.tcc.global;

import io.tcc.TccException;

/**
 * A transaction being decided is no longer in the initiator's log: its row was deleted while it ran, by hand or by a
 * cleanup. Nothing was decided by this call; its branches, if any were tried, need an operator.
 */
public class GlobalTransactionMissingException extends TccException {

    private final String xid;

    public GlobalTransactionMissingException(String xid, GlobalState wanted, String globalTable, String branchTable) {
        super("global transaction " + xid + " could not be decided " + wanted + ": its row is no longer in " + globalTable
                + " (deleted while it ran, by hand or by a cleanup), so nothing was decided. Find its branches by xid in "
                + branchTable + " and in each participant's fence table, and confirm or cancel them by hand");
        this.xid = xid;
    }

    public String xid() {
        return xid;
    }
}
