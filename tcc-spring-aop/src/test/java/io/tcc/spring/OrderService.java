package io.tcc.spring;

import org.springframework.jdbc.core.JdbcTemplate;

import io.tcc.annotation.GlobalTransaction;
import io.tcc.context.TransactionContext;

/** An initiator bean: each method is one global transaction and returns its xid. */
public class OrderService {

    private final InventoryParticipant inventory;
    private final JdbcTemplate jdbc;

    public OrderService(InventoryParticipant inventory, JdbcTemplate jdbc) {
        this.inventory = inventory;
        this.jdbc = jdbc;
    }

    @GlobalTransaction(timeoutMillis = 10_000)
    public String place(String sku, int quantity) throws InventoryParticipant.OutOfStock {
        inventory.reserve(sku, quantity);
        return TransactionContext.current().xid();
    }

    @GlobalTransaction
    public String placeThenFail(String sku, int quantity) throws InventoryParticipant.OutOfStock {
        inventory.reserve(sku, quantity);
        throw new IllegalStateException("payment declined");
    }

    @GlobalTransaction
    public String placeViaSelfInvocation(String sku, int quantity) throws InventoryParticipant.OutOfStock {
        inventory.reserveViaSelfCall(sku, quantity);
        return TransactionContext.current().xid();
    }

    @GlobalTransaction
    public String placeWithPlainObject(String sku) {
        new PointsLedger(jdbc).hold(sku);
        return TransactionContext.current().xid();
    }
}
