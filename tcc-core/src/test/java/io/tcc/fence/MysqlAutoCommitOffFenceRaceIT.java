package io.tcc.fence;

import io.tcc.test.DatabaseKind;

/**
 * Fence races on MySQL or MariaDB under REPEATABLE READ with a pool that hands out connections with autocommit off
 * (Hikari {@code auto-commit=false}, as the demo services run): the transaction manager then sends no
 * {@code SET autocommit}, and every guarantee holds as with autocommit on.
 */
class MysqlAutoCommitOffFenceRaceIT extends FenceRaceTests {
    @Override
    DatabaseKind kind() {
        return DatabaseKind.MYSQL;
    }

    @Override
    String isolation() {
        return "TRANSACTION_REPEATABLE_READ";
    }

    @Override
    boolean autoCommit() {
        return false;
    }
}
