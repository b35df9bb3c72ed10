package io.tcc.fence;

import io.tcc.test.DatabaseKind;

/** The fence contract on PostgreSQL (READ COMMITTED). */
class PostgresqlFenceIT extends FenceContractTests {
    @Override
    DatabaseKind kind() {
        return DatabaseKind.POSTGRESQL;
    }
}
