package io.tcc.demo.inventory;

import org.springframework.jdbc.core.JdbcTemplate;

import io.tcc.fence.FenceRecord;

/**
 * The business side of "reserve stock", written as a user writes it: plain SQL on the fence's DataSource.
 * The fence decides whether each method runs; these methods only move stock.
 */
public final class Inventory {

    /** A business rejection: there is not enough stock to freeze. */
    public static final class OutOfStockException extends Exception {
        public OutOfStockException(String sku, int quantity) {
            super("cannot freeze " + quantity + " of " + sku + ": not enough available");
        }
    }

    private final JdbcTemplate jdbc;

    public Inventory(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** The try's arguments as the fence records them, replayed to confirm and cancel. */
    public static String args(String sku, int quantity) {
        return sku + ":" + quantity;
    }

    public void addSku(String sku, int available) {
        jdbc.update("INSERT INTO stock (sku, available, frozen, sold) VALUES (?, ?, 0, 0)", sku, available);
    }

    /** Try: move quantity from available to frozen, or refuse. */
    public String freeze(String sku, int quantity) throws OutOfStockException {
        int updated = jdbc.update("UPDATE stock SET available = available - ?, frozen = frozen + ?"
                + " WHERE sku = ? AND available >= ?", quantity, quantity, sku, quantity);
        if (updated == 0) {
            throw new OutOfStockException(sku, quantity);
        }
        return "frozen " + quantity + " of " + sku;
    }

    /** Confirm: the frozen quantity is sold. */
    public String sell(FenceRecord tried) {
        String[] args = tried.args().split(":");
        jdbc.update("UPDATE stock SET frozen = frozen - ?, sold = sold + ? WHERE sku = ?",
                Integer.parseInt(args[1]), Integer.parseInt(args[1]), args[0]);
        return "sold " + args[1] + " of " + args[0];
    }

    /** Cancel: the frozen quantity returns to available. */
    public String release(FenceRecord tried) {
        String[] args = tried.args().split(":");
        jdbc.update("UPDATE stock SET frozen = frozen - ?, available = available + ? WHERE sku = ?",
                Integer.parseInt(args[1]), Integer.parseInt(args[1]), args[0]);
        return "released " + args[1] + " of " + args[0];
    }

    /** available, frozen, sold */
    public int[] stock(String sku) {
        return jdbc.queryForObject("SELECT available, frozen, sold FROM stock WHERE sku = ?",
                (rs, n) -> new int[] {rs.getInt(1), rs.getInt(2), rs.getInt(3)}, sku);
    }
}
