package io.tcc.global;

import io.tcc.test.DatabaseKind;

class MysqlGroupCommitIT extends GroupCommitTests {
    @Override
    DatabaseKind kind() {
        return DatabaseKind.MYSQL;
    }
}
