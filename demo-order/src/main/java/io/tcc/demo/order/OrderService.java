package io.tcc.demo.order;

import java.util.List;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;

import io.tcc.annotation.Cancel;
import io.tcc.annotation.Confirm;
import io.tcc.annotation.GlobalTransaction;
import io.tcc.annotation.Try;
import io.tcc.context.TransactionContext;

/**
 * Places orders. {@link #placeOrder} is the global transaction; the order row is its local branch, created by
 * {@link #createOrder}, a private {@code @Try} this class calls on itself. A Spring proxy would never see that call (and
 * refuses a private {@code @Try} at start-up): only AspectJ weaving intercepts it, registers the branch and runs it
 * through this service's fence. Its branch row ({@code tcc_branch}, action {@code create-order}) and fence row show that
 * it did.
 */
@Service
public class OrderService {

    private static final Logger log = LoggerFactory.getLogger(OrderService.class);

    /** One order as stored. */
    public record Order(String id, String user, String sku, int quantity, String state, String xid) {
    }

    private final JdbcTemplate jdbc;
    private final InventoryClient inventory;

    public OrderService(JdbcTemplate jdbc, InventoryClient inventory) {
        this.jdbc = jdbc;
        this.inventory = inventory;
    }

    /**
     * Returns after both branches were confirmed (or their confirm was decided and will be finished by recovery).
     * Throws after both were cancelled: the inventory's rejection or unknown outcome, unchanged.
     */
    @GlobalTransaction(name = "place-order", timeoutMillis = 5_000)
    public void placeOrder(String id, String user, String sku, int quantity) {
        createOrder(id, user, sku, quantity); // self-invocation: woven, so a branch of this transaction
        inventory.reserve(id, sku, quantity);
    }

    @Try("create-order")
    private void createOrder(String id, String user, String sku, int quantity) {
        jdbc.update("INSERT INTO orders (id, user_id, sku, quantity, state, xid, created_at, updated_at)"
                + " VALUES (?, ?, ?, ?, 'PENDING', ?, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3))",
                id, user, sku, quantity, TransactionContext.currentXid().orElseThrow());
        log.info("order {} PENDING: {} x {} for {}", id, quantity, sku, user);
    }

    @Confirm
    void confirmOrder(String id, String user, String sku, int quantity) {
        settle(id, "CONFIRMED");
    }

    @Cancel
    void cancelOrder(String id, String user, String sku, int quantity) {
        settle(id, "CANCELLED");
    }

    private void settle(String id, String state) {
        if (jdbc.update("UPDATE orders SET state = ?, updated_at = UTC_TIMESTAMP(3) WHERE id = ? AND state = 'PENDING'",
                state, id) != 1) {
            throw new IllegalStateException("order " + id + " is not PENDING, so it cannot become " + state
                    + "; look at the orders row and tcc_fence for its xid");
        }
        log.info("order {} {}", id, state);
    }

    public Optional<Order> find(String id) {
        List<Order> found = jdbc.query("SELECT id, user_id, sku, quantity, state, xid FROM orders WHERE id = ?",
                (rs, n) -> new Order(rs.getString(1), rs.getString(2), rs.getString(3), rs.getInt(4), rs.getString(5),
                        rs.getString(6)), id);
        return found.stream().findFirst();
    }
}
