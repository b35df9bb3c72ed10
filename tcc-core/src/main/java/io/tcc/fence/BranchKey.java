package io.tcc.fence;

import io.tcc.Identifiers;

/**
 * Identifies one branch of one global transaction: the key of the fence row.
 */
public record BranchKey(String xid, String branchId) {

    /**
     * @throws io.tcc.BadInputException when either part is missing, too long or has characters outside the rules
     *                                  of {@link Identifiers}
     */
    public BranchKey {
        Identifiers.requireXid(xid);
        Identifiers.requireBranchId(branchId);
    }

    @Override
    public String toString() {
        return "xid=" + xid + " branch=" + branchId;
    }
}
