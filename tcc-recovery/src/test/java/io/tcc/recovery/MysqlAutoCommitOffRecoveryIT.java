package io.tcc.recovery;

import io.tcc.test.DatabaseKind;

/**
 * The recovery suite (global log, recovery passes, operators, metrics, cleanup, the clustered Quartz job store) on
 * pools that hand out connections with autocommit off, as the demo services run them.
 */
class MysqlAutoCommitOffRecoveryIT extends RecoveryTests {
    @Override
    DatabaseKind kind() {
        return DatabaseKind.MYSQL;
    }

    @Override
    boolean autoCommit() {
        return false;
    }
}
