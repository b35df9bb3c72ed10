package io.tcc.global;

import io.tcc.test.DatabaseKind;

class MysqlAsyncPhaseTwoIT extends AsyncPhaseTwoTests {
    @Override
    DatabaseKind kind() {
        return DatabaseKind.MYSQL;
    }
}
