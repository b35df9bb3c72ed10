package io.tcc.global;

import io.tcc.test.DatabaseKind;

class PostgresqlCoordinatorIT extends CoordinatorTests {
    @Override
    DatabaseKind kind() {
        return DatabaseKind.POSTGRESQL;
    }
}
