package io.tcc.demo.inventory;

import java.util.Map;

import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Benchmark only: {@code POST /baseline/stock/{sku}/deduct?quantity=} takes stock off directly, with no reservation
 * and no fence: the order flow without TCC that {@code docs/benchmarks.md} measures TCC against. It exists only with
 * {@code demo.baseline.enabled=true}, which the benchmark passes; the demo never serves it. Malformed input answers 400.
 */
@RestController
@ConditionalOnProperty(name = "demo.baseline.enabled", havingValue = "true")
public class BaselineStockController {

    private final JdbcTemplate jdbc;
    /** The pool hands out connections with autocommit off: a write outside a transaction would be rolled back. */
    private final TransactionTemplate transaction;

    public BaselineStockController(JdbcTemplate jdbc, PlatformTransactionManager transactions) {
        this.jdbc = jdbc;
        this.transaction = new TransactionTemplate(transactions);
    }

    @PostMapping("/baseline/stock/{sku}/deduct")
    public ResponseEntity<?> deduct(@PathVariable String sku, @RequestParam(required = false) String quantity) {
        if (!StockController.SKU.matcher(sku).matches()) {
            return StockController.error(400, "'" + StockController.printable(sku) + "' is not a SKU");
        }
        if (quantity == null || !quantity.matches("[0-9]{1,4}") || Integer.parseInt(quantity) < 1
                || Integer.parseInt(quantity) > 1000) {
            return StockController.error(400, "quantity must be a whole number from 1 to 1000, was '"
                    + (quantity == null ? "" : StockController.printable(quantity)) + "'");
        }
        int n = Integer.parseInt(quantity);
        Integer deducted = transaction.execute(s -> jdbc.update(
                "UPDATE stock SET available = available - ?, sold = sold + ? WHERE sku = ? AND available >= ?", n, n, sku, n));
        if (deducted == null || deducted == 0) {
            return StockController.error(409, "not enough stock of " + sku + ", or no such SKU");
        }
        return ResponseEntity.ok(Map.of("sku", sku, "deducted", n));
    }
}
