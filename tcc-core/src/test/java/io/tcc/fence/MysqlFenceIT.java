package io.tcc.fence;

import io.tcc.test.DatabaseKind;

/** The fence contract on MySQL or MariaDB (InnoDB, the server's default REPEATABLE READ). */
class MysqlFenceIT extends FenceContractTests {
    @Override
    DatabaseKind kind() {
        return DatabaseKind.MYSQL;
    }
}
