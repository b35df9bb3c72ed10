package io.tcc.global;

import io.tcc.test.DatabaseKind;

class PostgresqlAsyncPhaseTwoIT extends AsyncPhaseTwoTests {
    @Override
    DatabaseKind kind() {
        return DatabaseKind.POSTGRESQL;
    }
}
