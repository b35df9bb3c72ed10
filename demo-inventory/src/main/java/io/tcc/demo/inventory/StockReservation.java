package io.tcc.demo.inventory;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

import io.tcc.annotation.Cancel;
import io.tcc.annotation.Confirm;
import io.tcc.annotation.Try;

/**
 * The action "reserve stock" as a participant writes it: three annotated methods and plain SQL. The framework runs each
 * in one local transaction with its fence row, so none of them checks for duplicates, empty rollbacks or late tries.
 */
@Component
public class StockReservation {

    private static final Logger log = LoggerFactory.getLogger(StockReservation.class);

    /** A definite rejection: the initiator is told 409 REJECTED and cancels the order. */
    public static class StockRejectedException extends Exception {
        public StockRejectedException(String message) {
            super(message);
        }
    }

    private final JdbcTemplate jdbc;

    public StockReservation(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** Freezes {@code quantity} of {@code sku} for the order, or refuses when there is not that much available. */
    @Try("reserve-stock")
    public String reserve(String orderId, String sku, int quantity) throws StockRejectedException {
        if (quantity < 1) {
            // 0 would record a branch that reserves nothing; a negative one would release what other orders froze
            throw new StockRejectedException("quantity must be at least 1, was " + quantity);
        }
        if (jdbc.update("UPDATE stock SET available = available - ?, frozen = frozen + ? WHERE sku = ? AND available >= ?",
                quantity, quantity, sku, quantity) == 0) {
            Integer available = jdbc.query("SELECT available FROM stock WHERE sku = ?",
                    rs -> rs.next() ? rs.getInt(1) : null, sku);
            throw new StockRejectedException(available == null ? "unknown SKU " + sku
                    : "not enough stock of " + sku + ": " + quantity + " asked, " + available + " available");
        }
        jdbc.update("INSERT INTO stock_freeze (order_id, sku, quantity, state, created_at, updated_at)"
                + " VALUES (?, ?, ?, 'FROZEN', UTC_TIMESTAMP(3), UTC_TIMESTAMP(3))", orderId, sku, quantity);
        log.info("froze {} of {} for order {}", quantity, sku, orderId);
        return "frozen " + quantity + " of " + sku;
    }

    /** The order is confirmed: what was frozen for it is sold. */
    @Confirm
    public void sell(String orderId, String sku, int quantity) {
        settle(orderId, "SOLD");
        jdbc.update("UPDATE stock SET frozen = frozen - ?, sold = sold + ? WHERE sku = ?", quantity, quantity, sku);
        log.info("sold {} of {} for order {}", quantity, sku, orderId);
    }

    /** The order is cancelled: what was frozen for it is available again. */
    @Cancel
    public void release(String orderId, String sku, int quantity) {
        settle(orderId, "RELEASED");
        jdbc.update("UPDATE stock SET frozen = frozen - ?, available = available + ? WHERE sku = ?", quantity, quantity, sku);
        log.info("released {} of {} for order {}", quantity, sku, orderId);
    }

    /** The fence runs confirm or cancel only after a committed try, so the freeze row is there; if not, roll back. */
    private void settle(String orderId, String state) {
        if (jdbc.update("UPDATE stock_freeze SET state = ?, updated_at = UTC_TIMESTAMP(3) WHERE order_id = ? AND state = 'FROZEN'",
                state, orderId) != 1) {
            throw new IllegalStateException("order " + orderId + " has no FROZEN reservation to move to " + state
                    + "; its stock is left as it is: look at stock_freeze and tcc_fence for this order");
        }
    }
}
