package io.tcc.fence;

import io.tcc.test.DatabaseKind;

/** The fence contract on MySQL or MariaDB under READ COMMITTED: no gap locks, a fresh snapshot per statement. */
class MysqlReadCommittedFenceIT extends FenceContractTests {
    @Override
    DatabaseKind kind() {
        return DatabaseKind.MYSQL;
    }

    @Override
    String isolation() {
        return "TRANSACTION_READ_COMMITTED";
    }
}
