package io.tcc.fence;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.tcc.jdbc.Dialect;
import io.tcc.jdbc.Statements;

/**
 * The fence table's SQL. Every method takes the connection first: the caller owns the transaction.
 * No method locks a row that may not exist (gap locks under REPEATABLE READ deadlock with inserts).
 */
final class FenceRepository {

    /** What an insert did. PostgreSQL cannot tell a duplicate from a deadline miss here: both are NOT_INSERTED. */
    enum Insert { INSERTED, DUPLICATE, NOT_INSERTED }

    private final Dialect dialect;
    private final String table;
    private final Statements sql;

    FenceRepository(Dialect dialect, String table) {
        this.dialect = dialect;
        this.table = table;
        this.sql = new Statements(dialect, "fence.sql", Map.of("table", table));
    }

    Dialect dialect() {
        return dialect;
    }

    Insert insertTried(Connection c, BranchKey key, String action, String args, long deadlineMs) throws SQLException {
        try (PreparedStatement ps = sql.prepare(c, "insert-tried")) {
            ps.setString(1, key.xid());
            ps.setString(2, key.branchId());
            ps.setString(3, action);
            ps.setString(4, args);
            ps.setLong(5, deadlineMs);
            ps.setLong(6, deadlineMs);
            return insert(ps);
        }
    }

    Insert insertEmptyCancel(Connection c, BranchKey key, String action, long deadlineMs) throws SQLException {
        try (PreparedStatement ps = sql.prepare(c, "insert-empty-cancel")) {
            ps.setString(1, key.xid());
            ps.setString(2, key.branchId());
            ps.setString(3, action);
            ps.setLong(4, deadlineMs);
            return insert(ps);
        }
    }

    /** MySQL reports a duplicate as an error (the transaction goes on); PostgreSQL's ON CONFLICT inserts nothing. */
    private Insert insert(PreparedStatement ps) throws SQLException {
        try {
            return ps.executeUpdate() == 1 ? Insert.INSERTED : Insert.NOT_INSERTED;
        } catch (SQLException e) {
            if (dialect.isDuplicateKey(e)) {
                return Insert.DUPLICATE;
            }
            throw e;
        }
    }

    /** Compare-and-set; false when the row is absent, not in {@code from}, or recorded for another action. */
    boolean transition(Connection c, BranchKey key, String action, FenceState from, FenceState to) throws SQLException {
        return transition(c, key, action, from, to, null);
    }

    /**
     * Like {@link #transition(Connection, BranchKey, String, FenceState, FenceState)}, and with {@code args} given, only
     * for a row that recorded exactly those arguments.
     */
    boolean transition(Connection c, BranchKey key, String action, FenceState from, FenceState to, String args)
            throws SQLException {
        try (PreparedStatement ps = sql.prepare(c, args == null ? "transition" : "transition-carrying")) {
            ps.setString(1, to.name());
            ps.setString(2, key.xid());
            ps.setString(3, key.branchId());
            ps.setString(4, action);
            ps.setString(5, from.name());
            if (args != null) {
                ps.setString(6, args);
            }
            return ps.executeUpdate() == 1;
        }
    }

    /**
     * @param locking true for a current read of a row known to exist (sees what committed after this
     *                transaction's snapshot); false for a plain, lock-free read
     */
    Optional<FenceRecord> find(Connection c, BranchKey key, boolean locking) throws SQLException {
        try (PreparedStatement ps = sql.prepare(c, locking ? "find-locking" : "find")) {
            ps.setString(1, key.xid());
            ps.setString(2, key.branchId());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(read(rs, key)) : Optional.empty();
            }
        }
    }

    private FenceRecord read(ResultSet rs, BranchKey key) throws SQLException {
        FenceState parsed = Statements.read(FenceState.class, rs.getString("state"), "fence row " + key + " in " + table);
        return new FenceRecord(key, rs.getString("action"), parsed, rs.getBoolean("empty_cancel"),
                rs.getString("args"), Instant.ofEpochMilli(rs.getLong("deadline_ms")),
                dialect.timestamp(rs, "created_at"), dialect.timestamp(rs, "updated_at"));
    }

    List<BranchKey> findFinished(Connection c, Duration retention, int limit) throws SQLException {
        List<BranchKey> keys = new ArrayList<>(limit);
        try (PreparedStatement ps = sql.prepare(c, "find-finished")) {
            ps.setLong(1, retention.toSeconds());
            ps.setLong(2, retention.toMillis());
            ps.setInt(3, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    keys.add(new BranchKey(rs.getString(1), rs.getString(2)));
                }
            }
        }
        return keys;
    }

    int deleteFinished(Connection c, List<BranchKey> keys, Duration retention) throws SQLException {
        if (keys.isEmpty()) {
            return 0;
        }
        try (PreparedStatement ps = sql.prepareForKeys(c, "delete-finished", keys.size(), "(?, ?)")) {
            int i = 1;
            for (BranchKey key : keys) {
                ps.setString(i++, key.xid());
                ps.setString(i++, key.branchId());
            }
            ps.setLong(i++, retention.toSeconds());
            ps.setLong(i, retention.toMillis());
            return ps.executeUpdate();
        }
    }

    /** The database's clock, in epoch milliseconds: the one clock that deadlines and cleanup are judged by. */
    long nowMillis(Connection c) throws SQLException {
        try (PreparedStatement ps = sql.prepare(c, "now-ms"); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
