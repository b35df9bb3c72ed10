package io.tcc.test;

/** The two database families the framework supports; MariaDB and MySQL share one. */
public enum DatabaseKind {
    /** MySQL 8 or MariaDB 10.11+, both InnoDB. */
    MYSQL("TCC_TEST_MYSQL_URL"),
    POSTGRESQL("TCC_TEST_POSTGRES_URL");

    private final String urlVariable;

    DatabaseKind(String urlVariable) {
        this.urlVariable = urlVariable;
    }

    /** The environment variable (or system property of the same name) that names a server's JDBC URL. */
    public String urlVariable() {
        return urlVariable;
    }
}
