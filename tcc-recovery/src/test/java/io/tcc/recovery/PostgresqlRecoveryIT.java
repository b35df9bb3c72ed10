package io.tcc.recovery;

import io.tcc.test.DatabaseKind;

class PostgresqlRecoveryIT extends RecoveryTests {
    @Override
    DatabaseKind kind() {
        return DatabaseKind.POSTGRESQL;
    }
}
