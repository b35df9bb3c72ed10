package io.tcc.global;

import io.tcc.test.DatabaseKind;

class MysqlCoordinatorIT extends CoordinatorTests {
    @Override
    DatabaseKind kind() {
        return DatabaseKind.MYSQL;
    }
}
