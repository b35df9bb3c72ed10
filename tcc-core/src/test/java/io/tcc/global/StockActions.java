package io.tcc.global;

import java.util.concurrent.atomic.AtomicInteger;

import org.springframework.jdbc.core.JdbcTemplate;

import io.tcc.annotation.Cancel;
import io.tcc.annotation.Confirm;
import io.tcc.annotation.Try;
import io.tcc.context.BranchContext;

/** A participant written the intended way: annotated methods and plain SQL on the participant's DataSource. */
public class StockActions {

    /** A business rejection. */
    public static class OutOfStock extends Exception {
        public OutOfStock(String sku) {
            super("out of stock: " + sku);
        }
    }

    private final JdbcTemplate jdbc;
    /** Confirms to fail before one succeeds, to show a failed confirm stays a confirm. */
    final AtomicInteger failingConfirms = new AtomicInteger();
    /** How long a failing confirm works before it throws: a slow confirm that ends past the deadline. */
    volatile long failingConfirmMillis;
    /** Business cancels run (committed or not): a confirmed transaction must show none. */
    final AtomicInteger releases = new AtomicInteger();

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
    public void sell(String sku, int quantity) {
        if (failingConfirms.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            try {
                Thread.sleep(failingConfirmMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            throw new IllegalStateException("confirm of " + sku + " failed (simulated)");
        }
        jdbc.update("UPDATE stock SET frozen = frozen - ?, sold = sold + ? WHERE sku = ?", quantity, quantity, sku);
    }

    @Cancel
    public void release(String sku, int quantity, BranchContext context) {
        releases.incrementAndGet();
        jdbc.update("UPDATE stock SET frozen = frozen - ?, available = available + ? WHERE sku = ?", quantity, quantity, sku);
    }
}
