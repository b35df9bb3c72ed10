package io.tcc.explorer;

import io.tcc.test.DatabaseKind;

/** A database and the isolation level every pool of the run uses; the explorer reads the level back from the server. */
public enum Setup {
    MARIADB_REPEATABLE_READ(DatabaseKind.MYSQL, "TRANSACTION_REPEATABLE_READ", "REPEATABLE-READ"),
    MARIADB_READ_COMMITTED(DatabaseKind.MYSQL, "TRANSACTION_READ_COMMITTED", "READ-COMMITTED"),
    POSTGRESQL_READ_COMMITTED(DatabaseKind.POSTGRESQL, "TRANSACTION_READ_COMMITTED", "read committed"),
    POSTGRESQL_REPEATABLE_READ(DatabaseKind.POSTGRESQL, "TRANSACTION_REPEATABLE_READ", "repeatable read");

    private final DatabaseKind kind;
    private final String isolation;
    private final String serverName;

    Setup(DatabaseKind kind, String isolation, String serverName) {
        this.kind = kind;
        this.isolation = isolation;
        this.serverName = serverName;
    }

    public DatabaseKind kind() {
        return kind;
    }

    /** The {@code java.sql.Connection} constant name Hikari's {@code transactionIsolation} takes. */
    public String isolation() {
        return isolation;
    }

    /** How the server names the level when asked (MariaDB's {@code @@tx_isolation}, PostgreSQL's {@code SHOW}). */
    public String serverName() {
        return serverName;
    }

    /** The statement reading the session's isolation level back from the server. */
    String isolationQuery() {
        return kind == DatabaseKind.MYSQL ? "SELECT @@SESSION.tx_isolation" : "SHOW transaction_isolation";
    }
}
