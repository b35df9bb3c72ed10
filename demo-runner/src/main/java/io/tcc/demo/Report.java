package io.tcc.demo;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.springframework.jdbc.core.JdbcTemplate;

/**
 * What the two databases hold once every transaction finished, and the demos' invariant checked on it: each
 * confirmed order's quantity deducted from stock exactly once, each cancelled order leaving stock untouched, nothing
 * frozen, and available + frozen + sold equal to the initial stock for every SKU.
 */
public final class Report {

    private record Order(String id, String sku, int quantity, String state, String xid, String global, int localBranches) {
    }

    private record Freeze(String sku, int quantity, String state) {
    }

    private final List<String> lines = new ArrayList<>();
    private final List<String> violations = new ArrayList<>();

    /** @param refused tries the inventory's fence refused, as its processes counted them */
    public static Report read(DemoDatabases databases, Map<String, Integer> initialStock, Demo.Refused refused) {
        Report report = new Report();
        report.check(databases.orders(), databases.inventory(), initialStock, refused);
        return report;
    }

    boolean pass() {
        return violations.isEmpty();
    }

    public List<String> violations() {
        return violations;
    }

    public void print(PrintStream out) {
        out.println();
        out.println("Report, read from the two databases");
        lines.forEach(line -> out.println("  " + line));
        violations.forEach(violation -> out.println("  VIOLATION: " + violation));
    }

    private void check(JdbcTemplate orderDb, JdbcTemplate inventoryDb, Map<String, Integer> initialStock, Demo.Refused refused) {
        List<Order> orders = orderDb.query("SELECT o.id, o.sku, o.quantity, o.state, o.xid, g.state,"
                + " (SELECT COUNT(*) FROM tcc_branch b WHERE b.xid = o.xid AND b.participant = 'local'"
                + " AND b.action = 'create-order') FROM orders o LEFT JOIN tcc_global g ON g.xid = o.xid",
                (rs, n) -> new Order(rs.getString(1), rs.getString(2), rs.getInt(3), rs.getString(4), rs.getString(5),
                        rs.getString(6), rs.getInt(7)));
        Map<String, Freeze> freezes = new HashMap<>();
        inventoryDb.query("SELECT order_id, sku, quantity, state FROM stock_freeze",
                rs -> { freezes.put(rs.getString(1), new Freeze(rs.getString(2), rs.getInt(3), rs.getString(4))); });

        lines.add(row("orders by state", counts(orderDb, "SELECT state, COUNT(*) FROM orders GROUP BY state")));
        Map<String, Long> global = counts(orderDb, "SELECT CONCAT(state, IF(needs_operator, ' flagged', '')), COUNT(*)"
                + " FROM tcc_global GROUP BY 1");
        lines.add(row("global transactions", global));
        lines.add(row("fence rows, inventory", counts(inventoryDb, "SELECT CONCAT(state, IF(empty_cancel, ' (empty rollback)',"
                + " '')), COUNT(*) FROM tcc_fence GROUP BY 1")));
        lines.add(row("fence rows, order", counts(orderDb, "SELECT CONCAT(state, IF(empty_cancel, ' (empty rollback)', '')),"
                + " COUNT(*) FROM tcc_fence GROUP BY 1")));
        long emptyRollbacks = inventoryDb.queryForObject("SELECT COUNT(*) FROM tcc_fence WHERE empty_cancel", Long.class);
        lines.add(String.format("%-24s %d (a cancel that found no try: recorded, nothing released)", "empty rollbacks", emptyRollbacks));
        lines.add(String.format("%-24s %d SUSPENDED (a try after its cancel), %d DEADLINE_PASSED", "refused tries",
                refused.suspended(), refused.pastDeadline()));
        long woven = orders.stream().filter(o -> o.localBranches() == 1).count();
        lines.add(String.format("%-24s %d of %d orders: their self-invoked @Try create-order ran as a branch", "woven local branches",
                woven, orders.size()));

        global.keySet().stream().filter(state -> !state.equals("CONFIRMED") && !state.equals("CANCELLED"))
                .forEach(state -> violations.add(global.get(state) + " global transactions are " + state));
        if (woven != orders.size()) {
            violations.add((orders.size() - woven) + " orders have no create-order branch: their @Try was not intercepted");
        }
        for (Order order : orders) {
            checkOrder(order, freezes.remove(order.id()));
        }
        freezes.forEach((id, freeze) -> violations.add("stock_freeze row " + id + " " + freeze + " belongs to no order"));
        checkStock(inventoryDb, initialStock, orders);
    }

    /** Exactly once, per order: confirmed means sold once, cancelled means nothing sold, both logs agree. */
    private void checkOrder(Order order, Freeze freeze) {
        String where = "order " + order.id() + " (" + order.xid() + ")";
        if (!order.state().equals(order.global())) {
            violations.add(where + " is " + order.state() + " but its transaction is " + order.global());
        }
        switch (order.state()) {
            case "CONFIRMED" -> {
                if (freeze == null || !freeze.state().equals("SOLD") || freeze.quantity() != order.quantity()
                        || !freeze.sku().equals(order.sku())) {
                    violations.add(where + " is CONFIRMED but its stock is " + freeze);
                }
            }
            case "CANCELLED" -> {
                if (freeze != null && !freeze.state().equals("RELEASED")) {
                    violations.add(where + " is CANCELLED but its stock is " + freeze);
                }
            }
            default -> violations.add(where + " is still " + order.state());
        }
    }

    private void checkStock(JdbcTemplate inventoryDb, Map<String, Integer> initialStock, List<Order> orders) {
        Map<String, Integer> confirmed = orders.stream().filter(o -> o.state().equals("CONFIRMED"))
                .collect(Collectors.groupingBy(Order::sku, Collectors.summingInt(Order::quantity)));
        lines.add(String.format("%-24s %7s %9s %6s %5s %16s", "stock per SKU", "initial", "available", "frozen", "sold",
                "confirmed orders"));
        inventoryDb.query("SELECT sku, available, frozen, sold FROM stock ORDER BY sku", rs -> {
            String sku = rs.getString(1);
            int available = rs.getInt(2);
            int frozen = rs.getInt(3);
            int sold = rs.getInt(4);
            int initial = initialStock.getOrDefault(sku, -1);
            int ordered = confirmed.getOrDefault(sku, 0);
            boolean holds = available + frozen + sold == initial && frozen == 0 && sold == ordered;
            lines.add(String.format("  %-22s %7d %9d %6d %5d %16d  %s", sku, initial, available, frozen, sold, ordered,
                    holds ? "PASS" : "FAIL"));
            if (!holds) {
                violations.add(sku + ": available " + available + " + frozen " + frozen + " + sold " + sold + " should be "
                        + initial + " with nothing frozen and sold equal to the " + ordered + " confirmed");
            }
        });
        lines.add("the invariant: each confirmed order deducted exactly once, each cancelled one left stock untouched,");
        lines.add("  nothing frozen, available + frozen + sold = initial for every SKU: " + (pass() ? "PASS" : "FAIL"));
    }

    private static Map<String, Long> counts(JdbcTemplate jdbc, String sql) {
        Map<String, Long> counts = new LinkedHashMap<>();
        jdbc.query(sql + " ORDER BY 1", rs -> {
            counts.put(rs.getString(1), rs.getLong(2));
        });
        return counts;
    }

    private static String row(String label, Map<String, Long> counts) {
        return String.format("%-24s %s", label, counts.isEmpty() ? "none" : counts.entrySet().stream()
                .map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", ")));
    }
}
