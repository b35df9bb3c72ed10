package io.tcc.fence;

import io.tcc.test.DatabaseKind;

/** Fence races on PostgreSQL (READ COMMITTED) with a pool that hands out connections with autocommit off. */
class PostgresqlAutoCommitOffFenceRaceIT extends FenceRaceTests {
    @Override
    DatabaseKind kind() {
        return DatabaseKind.POSTGRESQL;
    }

    @Override
    String isolation() {
        return null;
    }

    @Override
    boolean autoCommit() {
        return false;
    }
}
