package io.tcc.test;

import java.util.concurrent.ThreadLocalRandom;

import javax.sql.DataSource;

import org.springframework.core.io.ClassPathResource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.init.ResourceDatabasePopulator;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

/**
 * A database (MySQL family) or schema (PostgreSQL) of its own for one test class, on the server
 * {@link DatabaseServer} found, dropped again on {@link #close()}.
 */
public final class TestDatabase implements AutoCloseable {

    private final DatabaseServer server;
    private final String name;
    private final HikariDataSource dataSource;

    private TestDatabase(DatabaseServer server, String name) {
        this.server = server;
        this.name = name;
        server.create(name);
        this.dataSource = newDataSource(null, 8);
    }

    /** A fresh, empty database of this kind; {@code label} only makes its name readable. */
    public static TestDatabase create(DatabaseKind kind, String label) {
        return create(DatabaseServer.of(kind), label);
    }

    static TestDatabase create(DatabaseServer server, String label) {
        String name = ("tcc_" + label.replaceAll("[^A-Za-z0-9]", "_") + "_"
                + Long.toString(ThreadLocalRandom.current().nextLong(1L << 40), 36)).toLowerCase();
        return new TestDatabase(server, name);
    }

    public DatabaseKind kind() {
        return server.kind();
    }

    public String name() {
        return name;
    }

    public String jdbcUrl() {
        return server.urlFor(name);
    }

    /** A pool of 8 connections with the server's default isolation. */
    public DataSource dataSource() {
        return dataSource;
    }

    public JdbcTemplate jdbc() {
        return new JdbcTemplate(dataSource);
    }

    /**
     * A further pool on this database; the caller closes it.
     *
     * @param isolation a {@code java.sql.Connection} constant name such as {@code TRANSACTION_READ_COMMITTED},
     *                  or null for the server's default
     */
    public HikariDataSource newDataSource(String isolation, int poolSize) {
        return newDataSource(isolation, poolSize, true);
    }

    /**
     * Like {@link #newDataSource(String, int)}, with connections handed out in the given autocommit mode: with it off
     * (Hikari's {@code auto-commit=false}), a write outside a transaction is rolled back when the connection goes back.
     */
    public HikariDataSource newDataSource(String isolation, int poolSize, boolean autoCommit) {
        return pool(jdbcUrl(), name, isolation, poolSize, autoCommit);
    }

    static HikariDataSource pool(String url, String name, String isolation, int poolSize, boolean autoCommit) {
        HikariConfig config = new HikariConfig();
        config.setAutoCommit(autoCommit);
        config.setJdbcUrl(url);
        config.setMaximumPoolSize(poolSize);
        config.setPoolName(name + (isolation == null ? "" : "-" + isolation) + (autoCommit ? "" : "-autocommit-off"));
        if (isolation != null) {
            config.setTransactionIsolation(isolation);
        }
        return new HikariDataSource(config);
    }

    /** Runs a SQL script from the classpath, for example the DDL under {@code META-INF/tcc/schema}. */
    public TestDatabase run(String classpathScript) {
        new ResourceDatabasePopulator(new ClassPathResource(classpathScript)).execute(dataSource);
        return this;
    }

    /** The schema file of this kind: {@code schema("fence.sql")} is {@code META-INF/tcc/schema/<kind>/fence.sql}. */
    public TestDatabase applySchema(String file) {
        return run("META-INF/tcc/schema/" + (kind() == DatabaseKind.MYSQL ? "mysql" : "postgresql") + "/" + file);
    }

    @Override
    public String toString() {
        return kind() + " " + name + " (" + server.origin() + ")";
    }

    @Override
    public void close() {
        dataSource.close();
        server.drop(name);
    }
}
