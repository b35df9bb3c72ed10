package io.tcc.fence;

import io.tcc.test.DatabaseKind;

/** Fence races on PostgreSQL under READ COMMITTED, its default. */
class PostgresqlFenceRaceIT extends FenceRaceTests {
    @Override
    DatabaseKind kind() {
        return DatabaseKind.POSTGRESQL;
    }

    @Override
    String isolation() {
        return null;
    }
}
