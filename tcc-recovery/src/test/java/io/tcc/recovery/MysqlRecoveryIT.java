package io.tcc.recovery;

import io.tcc.test.DatabaseKind;

class MysqlRecoveryIT extends RecoveryTests {
    @Override
    DatabaseKind kind() {
        return DatabaseKind.MYSQL;
    }
}
