package io.tcc.global;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.springframework.jdbc.core.JdbcTemplate;

import io.tcc.annotation.Cancel;
import io.tcc.annotation.Confirm;
import io.tcc.annotation.Try;
import io.tcc.context.BranchContext;

/**
 * A participant written the intended way: annotated methods and plain SQL on the participant's DataSource. Shared with
 * other modules' tests through tcc-core's test-jar (registered in an {@code ActionRegistry}, never woven), with what
 * they count and the faults they switch on.
 */
public class StockActions {

    /** A business rejection. */
    public static class OutOfStock extends Exception {
        public OutOfStock(String sku) {
            super("out of stock: " + sku);
        }
    }

    private final JdbcTemplate jdbc;
    /** Confirms to fail before one succeeds, to show a failed confirm stays a confirm; MAX_VALUE for an outage. */
    public final AtomicInteger failingConfirms = new AtomicInteger();
    /** What every confirm does first: a test moves its clock here, for a confirm that takes long. */
    public volatile Runnable confirmWork = () -> { };
    /** Business cancels run (committed or not): a confirmed transaction must show none. */
    public final AtomicInteger releases = new AtomicInteger();
    /** Confirms that succeeded, by branch ("xid/branchId"): each must reach the participant once. */
    public final Map<String, AtomicInteger> confirms = new ConcurrentHashMap<>();
    /** Confirms that began while another of the same branch was running: phase two must never overlap. */
    public final AtomicInteger overlaps = new AtomicInteger();
    private final Map<String, AtomicInteger> inFlight = new ConcurrentHashMap<>();

    public StockActions(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    @Try("reserve-stock")
    public String reserve(String sku, int quantity) throws OutOfStock {
        if (jdbc.update("UPDATE stock SET available = available - ?, frozen = frozen + ? WHERE sku = ? AND available >= ?",
                quantity, quantity, sku, quantity) == 0) {
            throw new OutOfStock(sku);
        }
        return "reserved " + quantity + " " + sku;
    }

    @Confirm
    public void sell(String sku, int quantity, BranchContext branch) {
        String key = branch.xid() + "/" + branch.branchId();
        if (inFlight.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet() > 1) {
            overlaps.incrementAndGet();
        }
        try {
            confirmWork.run();
            if (failingConfirms.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                throw new IllegalStateException("confirm of " + sku + " failed (simulated outage)");
            }
            jdbc.update("UPDATE stock SET frozen = frozen - ?, sold = sold + ? WHERE sku = ?", quantity, quantity, sku);
            confirms.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
        } finally {
            inFlight.get(key).decrementAndGet();
        }
    }

    @Cancel
    public void release(String sku, int quantity, BranchContext context) {
        releases.incrementAndGet();
        jdbc.update("UPDATE stock SET frozen = frozen - ?, available = available + ? WHERE sku = ?", quantity, quantity, sku);
    }
}
