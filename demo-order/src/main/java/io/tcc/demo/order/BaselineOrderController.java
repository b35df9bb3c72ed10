package io.tcc.demo.order;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * Benchmark only: {@code POST /baseline/orders} places an order without TCC, the baseline that {@code docs/benchmarks.md}
 * measures the order flow against. The same business effect as {@code POST /orders}: one plain HTTP call that deducts
 * the stock ({@code POST /baseline/stock/{sku}/deduct} on the inventory), then the order row inserted CONFIRMED in one
 * local transaction. What it gives up is the point of TCC: a crash between the two leaves stock deducted for no order.
 * It exists only with {@code demo.baseline.enabled=true}, which the benchmark passes; the demo never serves it.
 * Malformed input answers 400, as on {@code POST /orders}.
 */
@RestController
@ConditionalOnProperty(name = "demo.baseline.enabled", havingValue = "true")
public class BaselineOrderController {

    private final JdbcTemplate jdbc;
    /** The pool hands out connections with autocommit off: a write outside a transaction would be rolled back. */
    private final TransactionTemplate transaction;
    private final String inventoryUrl;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    public BaselineOrderController(JdbcTemplate jdbc, PlatformTransactionManager transactions,
                                   @Value("${spring.http.serviceclient.inventory.base-url}") String inventoryUrl) {
        this.jdbc = jdbc;
        this.transaction = new TransactionTemplate(transactions);
        this.inventoryUrl = inventoryUrl;
    }

    @PostMapping("/baseline/orders")
    public ResponseEntity<?> place(@RequestBody(required = false) String body) throws InterruptedException {
        OrderRequest request;
        try {
            request = OrderRequest.parse(body);
        } catch (OrderRequest.InvalidOrderException e) {
            return ResponseEntity.badRequest().body(Map.of("error", e.getMessage()));
        }
        HttpRequest deduct = HttpRequest.newBuilder(URI.create(inventoryUrl + "/baseline/stock/" + request.sku()
                        + "/deduct?quantity=" + request.quantity()))
                .timeout(Duration.ofSeconds(1)).POST(HttpRequest.BodyPublishers.noBody()).build();
        int status;
        try {
            status = http.send(deduct, HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return ResponseEntity.status(502).body(Map.of("error", "the inventory did not answer: " + e));
        }
        if (status != 200) {
            return ResponseEntity.status(409).body(Map.of("error", "the inventory refused the deduction: " + status));
        }
        String id = UUID.randomUUID().toString();
        transaction.executeWithoutResult(s -> jdbc.update("INSERT INTO orders (id, user_id, sku, quantity, state, xid,"
                + " created_at, updated_at) VALUES (?, ?, ?, ?, 'CONFIRMED', 'none', UTC_TIMESTAMP(3), UTC_TIMESTAMP(3))",
                id, request.user(), request.sku(), request.quantity()));
        return ResponseEntity.created(URI.create("/orders/" + id)).body(Map.of("id", id, "state", "CONFIRMED"));
    }
}
