package io.tcc.global;

import java.time.Instant;

/** Test access to the package-private constructor. */
public final class GlobalTransactions {

    private GlobalTransactions() {
    }

    public static GlobalTransaction newTransaction(String xid) {
        return new GlobalTransaction(xid, Instant.now().plusSeconds(60), "test");
    }
}
