package io.tcc.fence;

import io.tcc.test.DatabaseKind;

/** Fence races on MySQL or MariaDB under REPEATABLE READ, InnoDB's default: gap locks in play. */
class MysqlRepeatableReadFenceRaceIT extends FenceRaceTests {
    @Override
    DatabaseKind kind() {
        return DatabaseKind.MYSQL;
    }

    @Override
    String isolation() {
        return "TRANSACTION_REPEATABLE_READ";
    }
}
