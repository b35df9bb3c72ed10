package io.tcc.fence;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Business methods the way a user writes them: plain JdbcTemplate SQL on the fence's DataSource, so they join the
 * fence's transaction. Each records that it ran in {@code effects}; tests count effects there.
 */
final class StockFixture {

    static final String ACTION = "reserve-stock";

    /** A business rejection: checked on purpose, to prove it reaches the caller unchanged. */
    static final class OutOfStockException extends Exception {
        OutOfStockException(String sku) {
            super("not enough stock for " + sku);
        }
    }

    private final JdbcTemplate jdbc;
    /** Setup and checks, outside any fence call: on a pool whose autocommit is on, so what they write commits. */
    private final JdbcTemplate outside;

    StockFixture(JdbcTemplate jdbc) {
        this(jdbc, jdbc);
    }

    /** @param outside for setup and checks, when the fence's pool hands out connections with autocommit off */
    StockFixture(JdbcTemplate jdbc, JdbcTemplate outside) {
        this.jdbc = jdbc;
        this.outside = outside;
    }

    void addSku(String sku, int available) {
        outside.update("INSERT INTO stock (sku, available, frozen, sold) VALUES (?, ?, 0, 0)", sku, available);
    }

    /** Try: freeze one unit; {@code maxPauseMicros} widens the window for a racing cancel. */
    String freeze(BranchKey key, String sku, int maxPauseMicros) throws OutOfStockException {
        if (jdbc.update("UPDATE stock SET available = available - 1, frozen = frozen + 1 WHERE sku = ? AND available >= 1",
                sku) == 0) {
            throw new OutOfStockException(sku);
        }
        record(key, FencePhase.TRY, sku);
        pause(maxPauseMicros);
        return "frozen:" + sku;
    }

    /** Confirm: the frozen unit is sold; the SKU comes from the recorded try arguments. */
    String sell(FenceRecord tried) {
        jdbc.update("UPDATE stock SET frozen = frozen - 1, sold = sold + 1 WHERE sku = ?", tried.args());
        record(tried.key(), FencePhase.CONFIRM, tried.args());
        return "sold:" + tried.args();
    }

    /** Cancel: the frozen unit returns to available. */
    String release(FenceRecord tried) {
        jdbc.update("UPDATE stock SET frozen = frozen - 1, available = available + 1 WHERE sku = ?", tried.args());
        record(tried.key(), FencePhase.CANCEL, tried.args());
        return "released:" + tried.args();
    }

    int effects(BranchKey key, FencePhase phase) {
        return outside.queryForObject("SELECT COUNT(*) FROM effects WHERE xid = ? AND branch_id = ? AND phase = ?",
                Integer.class, key.xid(), key.branchId(), phase.name());
    }

    /** available, frozen, sold */
    int[] stock(String sku) {
        return outside.queryForObject("SELECT available, frozen, sold FROM stock WHERE sku = ?",
                (rs, n) -> new int[] {rs.getInt(1), rs.getInt(2), rs.getInt(3)}, sku);
    }

    int fenceRows() {
        return outside.queryForObject("SELECT COUNT(*) FROM tcc_fence", Integer.class);
    }

    private void record(BranchKey key, FencePhase phase, String args) {
        jdbc.update("INSERT INTO effects (xid, branch_id, phase, args) VALUES (?, ?, ?, ?)",
                key.xid(), key.branchId(), phase.name(), args);
    }

    /** Parks for a random 0..max microseconds (no spinning: racing threads outnumber the cores). */
    static void pause(int maxPauseMicros) {
        if (maxPauseMicros > 0) {
            LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(ThreadLocalRandom.current().nextInt(maxPauseMicros + 1)));
        }
    }
}
