package io.tcc.http;

import io.tcc.test.DatabaseKind;

/** Batched phase two on MariaDB or MySQL (InnoDB). */
class BatchedPhaseTwoMariaDbIT extends BatchedPhaseTwoContract {
    @Override
    DatabaseKind kind() {
        return DatabaseKind.MYSQL;
    }
}
