package io.tcc.global;

import io.tcc.test.DatabaseKind;

class PostgresqlGroupCommitIT extends GroupCommitTests {
    @Override
    DatabaseKind kind() {
        return DatabaseKind.POSTGRESQL;
    }
}
