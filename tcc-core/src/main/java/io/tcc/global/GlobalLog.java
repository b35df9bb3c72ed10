package io.tcc.global;

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
 * The initiator's global log: SQL only. Every method takes the connection first, so the caller owns the transaction
 * (and can share it with a local participant's fence on the same database). Wiring: {@link LogStore} runs it.
 */
final class GlobalLog {

    private final Statements sql;
    private final Dialect dialect;

    GlobalLog(Dialect dialect, String globalTable, String branchTable) {
        this.sql = new Statements(dialect, "global.sql", Map.of("global", globalTable, "branch", branchTable));
        this.dialect = dialect;
    }

    Dialect dialect() {
        return dialect;
    }

    /** Records a new transaction as TRYING; recovery looks at it once its deadline plus {@code recoveryMargin} passed. */
    void insertGlobal(Connection c, String xid, String name, Instant deadline, Duration recoveryMargin)
            throws SQLException {
        try (PreparedStatement ps = sql.prepare(c, "insert-global")) {
            ps.setString(1, xid);
            ps.setString(2, name);
            ps.setLong(3, deadline.toEpochMilli());
            ps.setLong(4, deadline.plus(recoveryMargin).toEpochMilli());
            ps.executeUpdate();
        }
    }

    /**
     * Locks the transaction's row for a branch registration; false when it is no longer TRYING or its deadline passed
     * by the database's clock. The lock is held until the caller's transaction ends.
     */
    boolean holdForRegistration(Connection c, String xid) throws SQLException {
        try (PreparedStatement ps = sql.prepare(c, "hold-for-registration")) {
            ps.setString(1, xid);
            return ps.executeUpdate() == 1;
        }
    }

    void insertBranch(Connection c, String xid, String branchId, String participant, String action,
                             String endpoint) throws SQLException {
        try (PreparedStatement ps = sql.prepare(c, "insert-branch")) {
            ps.setString(1, xid);
            ps.setString(2, branchId);
            ps.setString(3, participant);
            ps.setString(4, action);
            ps.setString(5, endpoint);
            ps.executeUpdate();
        }
    }

    /**
     * The decision, as a compare-and-set from TRYING, whatever the deadline; false when someone else decided first.
     * Phase two's next attempt is due after {@code retryDelay}, so recovery takes over if this process dies before
     * finishing it.
     */
    boolean decide(Connection c, String xid, GlobalState decision, Duration retryDelay) throws SQLException {
        GlobalState.TRYING.requireMoveTo(decision);
        try (PreparedStatement ps = sql.prepare(c, decision == GlobalState.CONFIRMING ? "decide-confirm" : "decide-cancel")) {
            ps.setLong(1, retryDelay.toMillis());
            ps.setString(2, xid);
            return ps.executeUpdate() == 1;
        }
    }

    /** Moves a decided transaction to its final state; false when it was not in {@code from}. */
    boolean finish(Connection c, String xid, GlobalState from) throws SQLException {
        GlobalState to = from.requireMoveTo(from.finalState());
        try (PreparedStatement ps = sql.prepare(c, "finish")) {
            ps.setString(1, to.name());
            ps.setString(2, xid);
            ps.setString(3, from.name());
            ps.setString(4, xid);
            return ps.executeUpdate() == 1;
        }
    }

    /** Counts a failed attempt and schedules the next one after {@code delay}. */
    boolean postpone(Connection c, String xid, GlobalState state, Duration delay) throws SQLException {
        try (PreparedStatement ps = sql.prepare(c, "postpone")) {
            ps.setLong(1, delay.toMillis());
            ps.setString(2, xid);
            ps.setString(3, state.name());
            return ps.executeUpdate() == 1;
        }
    }

    boolean moveBranch(Connection c, String xid, String branchId, BranchState from, BranchState to,
                              String outcome) throws SQLException {
        from.requireMoveTo(to);
        try (PreparedStatement ps = sql.prepare(c, "transition-branch")) {
            ps.setString(1, to.name());
            ps.setString(2, truncate(outcome));
            ps.setString(3, xid);
            ps.setString(4, branchId);
            ps.setString(5, from.name());
            return ps.executeUpdate() == 1;
        }
    }

    void recordBranchOutcome(Connection c, String xid, String branchId, String outcome) throws SQLException {
        try (PreparedStatement ps = sql.prepare(c, "record-branch-outcome")) {
            ps.setString(1, truncate(outcome));
            ps.setString(2, xid);
            ps.setString(3, branchId);
            ps.executeUpdate();
        }
    }

    /** Up to {@code limit} transactions whose next attempt is due by the database's clock, oldest first. */
    List<String> findDue(Connection c, int limit) throws SQLException {
        List<String> due = new ArrayList<>(limit);
        try (PreparedStatement ps = sql.prepare(c, "find-due")) {
            ps.setInt(1, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    due.add(rs.getString(1));
                }
            }
        }
        return due;
    }

    /**
     * Claims up to {@code limit} due transactions for {@code lease} in one go; rows another daemon holds are skipped.
     * Call it in its own transaction: the claim is durable at its commit.
     */
    List<String> claimDue(Connection c, int limit, Duration lease) throws SQLException {
        List<String> locked = new ArrayList<>(limit);
        try (PreparedStatement ps = sql.prepare(c, "lock-due")) {
            ps.setInt(1, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    locked.add(rs.getString(1));
                }
            }
        }
        if (!locked.isEmpty()) {
            try (PreparedStatement ps = sql.prepareForKeys(c, "lease", locked.size(), "?")) {
                ps.setLong(1, lease.toMillis());
                for (int i = 0; i < locked.size(); i++) {
                    ps.setString(i + 2, locked.get(i));
                }
                ps.executeUpdate();
            }
        }
        return locked;
    }

    /** Flags a transaction for an operator; it keeps its state and is no longer due. */
    boolean flag(Connection c, String xid, GlobalState state, String reason) throws SQLException {
        try (PreparedStatement ps = sql.prepare(c, "flag")) {
            ps.setString(1, truncate(reason));
            ps.setString(2, xid);
            ps.setString(3, state.name());
            return ps.executeUpdate() == 1;
        }
    }

    Optional<GlobalRecord> findGlobal(Connection c, String xid) throws SQLException {
        try (PreparedStatement ps = sql.prepare(c, "find-global")) {
            ps.setString(1, xid);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(readGlobal(rs)) : Optional.empty();
            }
        }
    }

    /**
     * For operators: transactions in {@code state} (null for any), only flagged ones if asked, created at least
     * {@code olderThan} ago, oldest first.
     */
    List<GlobalRecord> list(Connection c, GlobalState state, boolean flaggedOnly, Duration olderThan, int limit)
            throws SQLException {
        List<GlobalRecord> found = new ArrayList<>();
        try (PreparedStatement ps = sql.prepare(c, "list")) {
            ps.setString(1, state == null ? null : state.name());
            ps.setString(2, state == null ? null : state.name());
            ps.setBoolean(3, flaggedOnly);
            ps.setLong(4, olderThan.toSeconds());
            ps.setInt(5, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    found.add(readGlobal(rs));
                }
            }
        }
        return found;
    }

    /** Clears the flag and makes an unfinished transaction due now; false when it is finished or absent. */
    boolean retryNow(Connection c, String xid) throws SQLException {
        try (PreparedStatement ps = sql.prepare(c, "retry-now")) {
            ps.setString(1, xid);
            return ps.executeUpdate() == 1;
        }
    }

    /** Records an operator's reason, clears the flag and makes the transaction due now, if it is still in {@code state}. */
    boolean resolve(Connection c, String xid, GlobalState state, String reason) throws SQLException {
        try (PreparedStatement ps = sql.prepare(c, "resolve")) {
            ps.setString(1, truncate(reason));
            ps.setString(2, xid);
            ps.setString(3, state.name());
            return ps.executeUpdate() == 1;
        }
    }

    /**
     * Deletes one batch of finished transactions (and their branch rows) last changed more than {@code retention} ago.
     *
     * @return how many transactions were deleted; fewer than {@code limit} means none are left
     */
    int deleteFinished(Connection c, Duration retention, int limit) throws SQLException {
        List<String> xids = new ArrayList<>(limit);
        try (PreparedStatement ps = sql.prepare(c, "find-finished")) {
            ps.setLong(1, retention.toSeconds());
            ps.setInt(2, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    xids.add(rs.getString(1));
                }
            }
        }
        if (xids.isEmpty()) {
            return 0;
        }
        int deleted;
        try (PreparedStatement ps = sql.prepareForKeys(c, "delete-finished", xids.size(), "?")) {
            for (int i = 0; i < xids.size(); i++) {
                ps.setString(i + 1, xids.get(i));
            }
            deleted = ps.executeUpdate();
        }
        try (PreparedStatement ps = sql.prepareForKeys(c, "delete-branches", xids.size(), "?")) {
            for (int i = 0; i < xids.size(); i++) {
                ps.setString(i + 1, xids.get(i)); // finished ones only: an unfinished transaction was never selected
            }
            ps.executeUpdate();
        }
        return deleted;
    }

    List<PendingStats> pendingStats(Connection c) throws SQLException {
        List<PendingStats> stats = new ArrayList<>();
        try (PreparedStatement ps = sql.prepare(c, "stats"); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                stats.add(new PendingStats(Statements.read(GlobalState.class, rs.getString(1), "a global log row"), rs.getLong(2), rs.getLong(3),
                        dialect.timestamp(rs, rs.getMetaData().getColumnLabel(4))));
            }
        }
        return stats;
    }

    private GlobalRecord readGlobal(ResultSet rs) throws SQLException {
        String xid = rs.getString("xid");
        long next = rs.getLong("next_attempt_ms");
        Instant nextAttempt = rs.wasNull() ? null : Instant.ofEpochMilli(next);
        return new GlobalRecord(xid, Statements.read(GlobalState.class, rs.getString("state"), "global log row of xid=" + xid), rs.getString("name"),
                Instant.ofEpochMilli(rs.getLong("deadline_ms")), rs.getInt("attempts"), nextAttempt,
                rs.getBoolean("needs_operator"), rs.getString("operator_reason"), dialect.timestamp(rs, "created_at"),
                dialect.timestamp(rs, "updated_at"));
    }

    List<BranchRecord> findBranches(Connection c, String xid) throws SQLException {
        List<BranchRecord> branches = new ArrayList<>();
        try (PreparedStatement ps = sql.prepare(c, "find-branches")) {
            ps.setString(1, xid);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    branches.add(new BranchRecord(rs.getString("xid"), rs.getString("branch_id"),
                            rs.getString("participant"), rs.getString("action"), rs.getString("endpoint"),
                            Statements.read(BranchState.class, rs.getString("state"), "branch row of xid=" + xid), rs.getString("last_outcome"),
                            dialect.timestamp(rs, "created_at"), dialect.timestamp(rs, "updated_at")));
                }
            }
        }
        return branches;
    }

    private static String truncate(String outcome) {
        if (outcome == null || outcome.length() <= 1000) {
            return outcome;
        }
        return outcome.substring(0, 1000) + "...";
    }
}
