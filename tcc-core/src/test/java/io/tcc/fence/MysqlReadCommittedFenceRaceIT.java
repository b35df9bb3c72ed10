package io.tcc.fence;

import io.tcc.test.DatabaseKind;

/** Fence races on MySQL or MariaDB under READ COMMITTED: no gap locks, fresh snapshots per statement. */
class MysqlReadCommittedFenceRaceIT extends FenceRaceTests {
    @Override
    DatabaseKind kind() {
        return DatabaseKind.MYSQL;
    }

    @Override
    String isolation() {
        return "TRANSACTION_READ_COMMITTED";
    }
}
