package io.tcc.bench;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a MySQL-family server counts: its global status counters ({@code Com_commit}, {@code Com_insert}, ...) for the
 * whole server, and, where {@code performance_schema} is on, every statement by database and shape (the digest
 * summary), which splits the figures between the two services' databases. Read on a connection with no default
 * database, so its own statements count for no service's database.
 */
final class DatabaseCounters implements AutoCloseable {

    static final List<String> STATUS = List.of("Com_commit", "Com_rollback", "Com_insert", "Com_insert_select",
            "Com_update", "Com_delete", "Com_select", "Com_set_option", "Questions", "Handler_commit");

    /** How often each statement shape ran in one database. */
    record Digest(String database, String text) {

        /** COMMIT, INSERT, UPDATE, DELETE, SELECT, SET or OTHER. */
        String kind() {
            String first = text.trim().split("[\\s(]", 2)[0].toUpperCase(Locale.ROOT);
            return List.of("COMMIT", "INSERT", "UPDATE", "DELETE", "SELECT", "SET").contains(first) ? first : "OTHER";
        }
    }

    /** Counter values at one moment. */
    record Snapshot(long nanos, Map<String, Long> status, Map<Digest, Long> digests) {

        /** The counts from {@code earlier} to this one. */
        Snapshot minus(Snapshot earlier) {
            Map<String, Long> status = new LinkedHashMap<>();
            this.status.forEach((name, value) -> status.put(name, value - earlier.status.getOrDefault(name, 0L)));
            Map<Digest, Long> digests = new HashMap<>();
            this.digests.forEach((digest, value) -> digests.put(digest, value - earlier.digests.getOrDefault(digest, 0L)));
            return new Snapshot(nanos - earlier.nanos, status, digests);
        }

        /** These counts less what the background does in as long a time, at the rate {@code idle} counted it. */
        Snapshot lessBackground(Snapshot idle) {
            double scale = (double) nanos / idle.nanos;
            Map<String, Long> status = new LinkedHashMap<>();
            this.status.forEach((name, value) -> status.put(name,
                    value - Math.round(idle.status.getOrDefault(name, 0L) * scale)));
            Map<Digest, Long> digests = new HashMap<>();
            this.digests.forEach((digest, value) -> digests.put(digest,
                    value - Math.round(idle.digests.getOrDefault(digest, 0L) * scale)));
            return new Snapshot(nanos, status, digests);
        }
    }

    private final Connection connection;
    private final boolean digests;
    private final String version;

    DatabaseCounters(String serverUrl) throws SQLException {
        connection = DriverManager.getConnection(serverUrl);
        try (Statement s = connection.createStatement()) {
            version = single(s, "SELECT VERSION()");
            digests = "1".equals(single(s, "SELECT @@performance_schema"));
        }
    }

    String version() {
        return version;
    }

    /** True when statements can be counted per database (performance_schema is on). */
    boolean perDatabase() {
        return digests;
    }

    /**
     * Turns statement counting per database on or off (performance_schema's instruments): off while throughput is
     * measured, so that it costs nothing there; the server's status counters count either way.
     */
    void countPerDatabase(boolean on) throws SQLException {
        if (digests) {
            try (Statement s = connection.createStatement()) {
                s.executeUpdate("UPDATE performance_schema.setup_instruments SET ENABLED = 'NO', TIMED = 'NO'");
                if (on) {
                    s.executeUpdate("UPDATE performance_schema.setup_instruments SET ENABLED = 'YES', TIMED = 'YES'"
                            + " WHERE NAME LIKE 'statement/%'");
                }
            }
        }
    }

    Snapshot take() throws SQLException {
        Map<String, Long> status = new LinkedHashMap<>();
        Map<Digest, Long> byDigest = new HashMap<>();
        try (Statement s = connection.createStatement()) {
            try (ResultSet rs = s.executeQuery("SHOW GLOBAL STATUS WHERE Variable_name IN ('"
                    + String.join("', '", STATUS) + "')")) {
                while (rs.next()) {
                    status.put(rs.getString(1), rs.getLong(2));
                }
            }
            if (digests) {
                try (ResultSet rs = s.executeQuery("SELECT SCHEMA_NAME, DIGEST_TEXT, COUNT_STAR"
                        + " FROM performance_schema.events_statements_summary_by_digest WHERE SCHEMA_NAME IS NOT NULL")) {
                    while (rs.next()) {
                        byDigest.merge(new Digest(rs.getString(1), String.valueOf(rs.getString(2))), rs.getLong(3), Long::sum);
                    }
                }
            }
        }
        return new Snapshot(System.nanoTime(), status, byDigest);
    }

    /**
     * One global status counter of the server ({@code Com_commit}, {@code wsrep_local_cert_failures}, ...); 0 where the
     * server has no such counter (no Galera's on a server without it).
     */
    long status(String name) throws SQLException {
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery("SHOW GLOBAL STATUS LIKE '"
                + name + "'")) {
            return rs.next() ? rs.getLong(2) : 0;
        }
    }

    private static String single(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    @Override
    public void close() throws SQLException {
        connection.close();
    }
}
