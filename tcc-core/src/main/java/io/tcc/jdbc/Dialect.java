package io.tcc.jdbc;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.sql.DataSource;

/**
 * What differs between the supported databases: where their SQL lives, how they report a duplicate key
 * or a lock conflict, and how they hand back a timestamp. Everything else is shared code.
 */
public enum Dialect {

    /** MySQL 8 and MariaDB 10.11+ (InnoDB). */
    MYSQL("mysql", "UTC_TIMESTAMP(3)", "(TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', UTC_TIMESTAMP(6)) DIV 1000)",
            "(UTC_TIMESTAMP(3) - INTERVAL ? SECOND)") {
        @Override
        public boolean isDuplicateKey(SQLException e) {
            // 1062 ER_DUP_ENTRY, 1586 ER_DUP_ENTRY_WITH_KEY_NAME; SQLState 23000 alone also means NOT NULL etc.
            return e.getErrorCode() == 1062 || e.getErrorCode() == 1586;
        }

        @Override
        boolean isConflict(SQLException e) {
            // 1213 deadlock victim (and Galera's lost certification), 1205 lock wait timeout; 3101 is MySQL Group
            // Replication's lost certification at COMMIT: the whole transaction (1213, 3101) or statement (1205) is lost
            return e.getErrorCode() == 1213 || e.getErrorCode() == 1205 || e.getErrorCode() == 3101
                    || "40001".equals(e.getSQLState());
        }

        @Override
        public Instant timestamp(ResultSet rs, String column) throws SQLException {
            LocalDateTime utc = rs.getObject(column, LocalDateTime.class); // written by UTC_TIMESTAMP()
            return utc == null ? null : utc.toInstant(ZoneOffset.UTC);
        }
    },

    /** PostgreSQL 13+. */
    // statement_timestamp() is stable, so comparisons with it can be index conditions (clock_timestamp() cannot)
    POSTGRESQL("postgresql", "statement_timestamp()", "(EXTRACT(EPOCH FROM statement_timestamp()) * 1000)::BIGINT",
            "(statement_timestamp() - make_interval(secs => ?))") {
        @Override
        public boolean isDuplicateKey(SQLException e) {
            return "23505".equals(e.getSQLState());
        }

        @Override
        boolean isConflict(SQLException e) {
            // deadlock_detected, serialization_failure, lock_not_available
            return Set.of("40P01", "40001", "55P03").contains(e.getSQLState());
        }

        @Override
        public Instant timestamp(ResultSet rs, String column) throws SQLException {
            OffsetDateTime value = rs.getObject(column, OffsetDateTime.class);
            return value == null ? null : value.toInstant();
        }
    };

    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}(\\.[A-Za-z_][A-Za-z0-9_]{0,62})?");
    private static final Pattern STATEMENT_NAME = Pattern.compile("^-- name: ([a-z0-9-]+)\\s*$", Pattern.MULTILINE);

    private final String folder;
    private final String now;
    private final String nowMillis;
    private final String secondsAgo;

    /**
     * @param now        the database's clock as a timestamp column value (UTC on MySQL, where columns have no zone)
     * @param nowMillis  the same clock in epoch milliseconds, compared with deadlines
     * @param secondsAgo the clock minus a number of seconds given as a parameter
     */
    Dialect(String folder, String now, String nowMillis, String secondsAgo) {
        this.folder = folder;
        this.now = now;
        this.nowMillis = nowMillis;
        this.secondsAgo = secondsAgo;
    }

    /** True when the exception reports a unique-key violation. */
    public abstract boolean isDuplicateKey(SQLException e);

    abstract boolean isConflict(SQLException e);

    /** Reads a timestamp column written by the database's own clock. */
    public abstract Instant timestamp(ResultSet rs, String column) throws SQLException;

    /**
     * True when the failure, or any cause of it, is a deadlock, lock-wait timeout or serialization
     * failure: the transaction lost a race and running it again from the start may succeed.
     */
    public boolean isConflict(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql) {
                for (SQLException s = sql; s != null; s = s.getNextException()) {
                    if (isConflict(s)) {
                        return true;
                    }
                }
            }
            if (t instanceof org.springframework.dao.PessimisticLockingFailureException) {
                return true;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }

    /**
     * Loads the named statements of one SQL file ({@code -- name: x} starts each): the file all databases share, with
     * the statements this database's folder overrides. {@code ${now}}, {@code ${now_ms}} and {@code ${seconds_ago}}
     * (taking one parameter) become this database's clock; every other {@code ${name}} is replaced from {@code tables}.
     *
     * @throws IllegalStateException when an override names a statement the shared file lacks (a typo would otherwise
     *                               add a statement nothing runs and leave the shared one in force)
     */
    public Map<String, String> statements(String file, Map<String, String> tables) {
        tables.forEach((key, table) -> {
            if (!IDENTIFIER.matcher(table).matches()) {
                throw new IllegalArgumentException(key + " table name '" + table
                        + "' is not a plain identifier (letters, digits, _; optionally schema.table)");
            }
        });
        String shared = "/io/tcc/jdbc/" + file;
        Map<String, String> statements = parse(read(shared), tables);
        String own = "/io/tcc/jdbc/" + folder + "/" + file;
        if (Dialect.class.getResource(own) != null) {
            parse(read(own), tables).forEach((name, sql) -> {
                if (statements.replace(name, sql) == null) {
                    throw new IllegalStateException(own + " overrides statement '" + name + "', which " + shared
                            + " does not have");
                }
            });
        }
        return statements;
    }

    private static String read(String resource) {
        try (InputStream in = Dialect.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("SQL resource " + resource + " is missing from the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + resource, e);
        }
    }

    private Map<String, String> parse(String text, Map<String, String> tables) {
        Map<String, String> statements = new LinkedHashMap<>();
        Matcher m = STATEMENT_NAME.matcher(text);
        String name = null;
        int start = 0;
        while (m.find()) {
            if (name != null) {
                statements.put(name, clean(text.substring(start, m.start()), tables));
            }
            name = m.group(1);
            start = m.end();
        }
        if (name != null) {
            statements.put(name, clean(text.substring(start), tables));
        }
        return statements;
    }

    private String clean(String sql, Map<String, String> tables) {
        String result = sql.replaceAll("(?m)^\\s*--.*$", "").trim().replaceAll("\\s+", " ")
                .replace("${now_ms}", nowMillis).replace("${seconds_ago}", secondsAgo).replace("${now}", now);
        for (Map.Entry<String, String> table : tables.entrySet()) {
            result = result.replace("${" + table.getKey() + "}", table.getValue());
        }
        return result;
    }

    /** The dialect of the database behind a DataSource; fails on databases the framework does not support. */
    public static Dialect detect(DataSource dataSource) {
        try (Connection c = dataSource.getConnection()) {
            return detect(c);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot open a connection to detect the database: " + e.getMessage(), e);
        }
    }

    /** The dialect of the database behind an open connection. */
    public static Dialect detect(Connection connection) throws SQLException {
        return of(connection.getMetaData().getDatabaseProductName());
    }

    static Dialect of(String productName) {
        String name = productName == null ? "" : productName.toLowerCase(Locale.ROOT);
        if (name.contains("mysql") || name.contains("mariadb")) {
            return MYSQL;
        }
        if (name.contains("postgresql")) {
            return POSTGRESQL;
        }
        throw new IllegalStateException("database '" + productName
                + "' is not supported: the fence relies on InnoDB or PostgreSQL locking; use MySQL 8, MariaDB 10.11+ or PostgreSQL 13+");
    }
}
