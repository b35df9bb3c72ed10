package io.tcc.http;

import io.tcc.test.DatabaseKind;

/** Batched phase two on PostgreSQL, where a failed statement aborts the transaction unless under a savepoint. */
class BatchedPhaseTwoPostgresIT extends BatchedPhaseTwoContract {
    @Override
    DatabaseKind kind() {
        return DatabaseKind.POSTGRESQL;
    }
}
