package io.tcc.spring;

import org.springframework.jdbc.core.JdbcTemplate;

import io.tcc.annotation.Cancel;
import io.tcc.annotation.Confirm;
import io.tcc.annotation.Try;

/** A participant bean as users write one. */
public class InventoryParticipant {

    public static class OutOfStock extends Exception {
        public OutOfStock(String sku) {
            super("out of stock: " + sku);
        }
    }

    private final JdbcTemplate jdbc;

    public InventoryParticipant(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    @Try("reserve-stock")
    public String reserve(String sku, int quantity) throws OutOfStock {
        if (jdbc.update("UPDATE stock SET available = available - ?, frozen = frozen + ? WHERE sku = ? AND available >= ?",
                quantity, quantity, sku, quantity) == 0) {
            throw new OutOfStock(sku);
        }
        return "reserved";
    }

    @Confirm
    public void sell(String sku, int quantity) {
        jdbc.update("UPDATE stock SET frozen = frozen - ?, sold = sold + ? WHERE sku = ?", quantity, quantity, sku);
    }

    @Cancel
    public void release(String sku, int quantity) {
        jdbc.update("UPDATE stock SET frozen = frozen - ?, available = available + ? WHERE sku = ?", quantity, quantity, sku);
    }

    /** Calls its own @Try: only AspectJ weaving intercepts this; a proxy never sees it. */
    public String reserveViaSelfCall(String sku, int quantity) throws OutOfStock {
        return reserve(sku, quantity);
    }
}
