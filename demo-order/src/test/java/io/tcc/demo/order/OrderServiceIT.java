package io.tcc.demo.order;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import io.tcc.test.DatabaseKind;
import io.tcc.test.TestDatabase;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The order service as it runs in the demo (woven, recovery in-app), over real HTTP, with its inventory unreachable:
 * enough to show input checking and the self-invoked {@code @Try} going through the fence. The benchmark's baseline
 * endpoint is switched on as the benchmark runs it. The two services together are tested by demo-runner's
 * DemoScenarioIT, which also shows the demo does not serve the baseline.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OrderServiceIT {

    private final HttpClient http = HttpClient.newHttpClient();
    private final JsonMapper json = JsonMapper.builder().build();
    private TestDatabase db;
    private ConfigurableApplicationContext service;
    private String url;

    @BeforeAll
    void start() throws Exception {
        db = TestDatabase.create(DatabaseKind.MYSQL, "demo_order").applySchema("fence.sql").applySchema("global.sql")
                .applySchema("quartz.sql").run("db/orders.sql");
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort(); // nothing listens there once it is closed: the inventory is down
        }
        service = new SpringApplicationBuilder(OrderApplication.class).run("--server.port=0", "--server.address=127.0.0.1",
                "--spring.datasource.url=" + db.jdbcUrl(), "--inventory.url=http://127.0.0.1:" + closedPort,
                "--tcc.http.signing.secret=order-service-test-secret", "--tcc.http.faults.admin-token=order-service-admin-token",
                "--tcc.recovery.operator.token=order-service-operator-token", "--demo.baseline.enabled=true");
        url = "http://127.0.0.1:" + service.getEnvironment().getProperty("local.server.port");
    }

    @AfterAll
    void stop() {
        if (service != null) {
            service.close();
        }
        db.close();
    }

    @Test
    void malformedOrdersAreRefusedWith400AndCreateNothing() throws Exception {
        Map<String, String> cases = Map.ofEntries(
                Map.entry("", "the body must be a JSON object"),
                Map.entry("[1, 2]", "the body must be a JSON object"),
                Map.entry("{\"user\": \"ann\", \"sku\": \"BOOK-1\", \"quantity\": 1", "the body is not JSON"),
                Map.entry("{\"sku\": \"BOOK-1\", \"quantity\": 1}", "user is required"),
                Map.entry("{\"user\": \"  \", \"sku\": \"BOOK-1\", \"quantity\": 1}", "user is required"),
                Map.entry("{\"user\": \"" + "a".repeat(65) + "\", \"sku\": \"BOOK-1\", \"quantity\": 1}", "user must be"),
                Map.entry("{\"user\": 7, \"sku\": \"BOOK-1\", \"quantity\": 1}", "user must be"),
                Map.entry("{\"user\": \"ann\", \"quantity\": 1}", "sku is required"),
                Map.entry("{\"user\": \"ann\", \"sku\": \"BOOK 1;--\", \"quantity\": 1}", "sku must be"),
                Map.entry("{\"user\": \"ann\", \"sku\": \"" + "S".repeat(33) + "\", \"quantity\": 1}", "sku must be"),
                Map.entry("{\"user\": \"ann\", \"sku\": \"BOOK-1\"}", "quantity is required"),
                Map.entry("{\"user\": \"ann\", \"sku\": \"BOOK-1\", \"quantity\": 0}", "quantity must be a whole number"),
                Map.entry("{\"user\": \"ann\", \"sku\": \"BOOK-1\", \"quantity\": -3}", "quantity must be a whole number"),
                Map.entry("{\"user\": \"ann\", \"sku\": \"BOOK-1\", \"quantity\": 2.5}", "quantity must be a whole number"),
                Map.entry("{\"user\": \"ann\", \"sku\": \"BOOK-1\", \"quantity\": \"2\"}", "quantity must be a whole number"),
                Map.entry("{\"user\": \"ann\", \"sku\": \"BOOK-1\", \"quantity\": 1001}", "quantity must be a whole number"),
                Map.entry("{\"user\": \"ann\", \"sku\": \"BOOK-1\", \"quantity\": 99999999999}", "quantity must be a whole number"),
                Map.entry("{\"user\": \"ann\", \"sku\": \"BOOK-1\", \"quantity\": 1, \"price\": 0}", "unknown field 'price'"),
                Map.entry("{\"user\": \"ann\", \"sku\": \"BOOK-1\", \"quantity\": 1, \"pad\": \"" + "x".repeat(5000) + "\"}",
                        "at most 4096 are read"));
        for (Map.Entry<String, String> c : cases.entrySet()) {
            HttpResponse<String> response = post("/orders", c.getKey());
            assertEquals(400, response.statusCode(), c.getKey() + " answered " + response.body());
            assertEquals("INVALID_ORDER", json.readTree(response.body()).get("reason").asString(), response.body());
            String error = json.readTree(response.body()).get("message").asString();
            assertTrue(error.contains(c.getValue()), c.getKey() + " answered " + error);
        }
        assertEquals(0, count("SELECT COUNT(*) FROM orders WHERE user_id <> 'down'"));
        assertEquals(0, count("SELECT COUNT(*) FROM tcc_global g WHERE NOT EXISTS"
                + " (SELECT 1 FROM orders o WHERE o.xid = g.xid AND o.user_id = 'down')"));
    }

    @Test
    void theBenchmarksBaselineOrderRefusesMalformedInputAndWritesNothingWhenTheInventoryIsDown() throws Exception {
        for (String bad : new String[] {"", "[1]", "{\"user\": \"ann\", \"sku\": \"BOOK 1;--\", \"quantity\": 1}",
                "{\"user\": \"ann\", \"sku\": \"BOOK-1\", \"quantity\": 0}", "{\"user\": \"ann\", \"sku\": \"BOOK-1\"}",
                "{\"user\": \"ann\", \"sku\": \"BOOK-1\", \"quantity\": 1, \"price\": 0}"}) {
            HttpResponse<String> response = post("/baseline/orders", bad);
            assertEquals(400, response.statusCode(), bad + " answered " + response.body());
            assertTrue(json.readTree(response.body()).has("error"), response.body());
        }
        HttpResponse<String> down = post("/baseline/orders", "{\"user\": \"ann\", \"sku\": \"BOOK-1\", \"quantity\": 1}");
        assertEquals(502, down.statusCode(), down.body());
        assertEquals(0, count("SELECT COUNT(*) FROM orders WHERE user_id = 'ann'"));
    }

    @Test
    void malformedOrderIdIsRefusedWith400AndUnknownOneWith404() throws Exception {
        for (String id : new String[] {"42", "not-an-id", "0A1B2C3D-0000-0000-0000-000000000000", "x".repeat(100), "%27%20OR%201%3D1"}) {
            HttpResponse<String> response = get("/orders/" + id);
            assertEquals(400, response.statusCode(), id + " answered " + response.body());
            assertTrue(json.readTree(response.body()).get("message").asString().contains("is not an order id"), response.body());
        }
        HttpResponse<String> unknown = get("/orders/00000000-0000-4000-8000-000000000000");
        assertEquals(404, unknown.statusCode());
        assertEquals("no order 00000000-0000-4000-8000-000000000000", json.readTree(unknown.body()).get("message").asString());
    }

    @Test
    void withTheInventoryDownTheOrderIsCancelledAndItsSelfInvokedTryWentThroughTheFence() throws Exception {
        HttpResponse<String> response = post("/orders", "{\"user\": \"down\", \"sku\": \"BOOK-1\", \"quantity\": 2}");
        assertEquals(201, response.statusCode(), response.body());
        JsonNode placed = json.readTree(response.body());
        String id = placed.get("id").asString();
        String xid = placed.get("xid").asString();
        assertEquals("CANCELLED", placed.get("state").asString());
        String reason = placed.get("reason").asString();
        assertEquals("the inventory could not take the order; the order is cancelled", reason,
                "a stable, safe text: no addresses, classes or SQL reach the customer");
        assertEquals("/orders/" + id, response.headers().firstValue("Location").orElseThrow());

        JsonNode read = json.readTree(get("/orders/" + id).body());
        assertEquals("CANCELLED", read.get("state").asString());
        assertEquals(xid, read.get("xid").asString());
        // createOrder() is private and called by its own class: only the woven aspect could make it a branch, and
        // a fenced one: registered in the global log, recorded by this service's fence, cancelled through both
        assertEquals("CANCELLED", db.jdbc().queryForObject(
                "SELECT state FROM tcc_branch WHERE xid = ? AND participant = 'local' AND action = 'create-order'", String.class, xid));
        assertEquals("CANCELLED", db.jdbc().queryForObject(
                "SELECT state FROM tcc_fence WHERE xid = ? AND action = 'create-order' AND empty_cancel = FALSE", String.class, xid));
    }

    private int count(String sql) {
        return db.jdbc().queryForObject(sql, Integer.class);
    }

    private HttpResponse<String> post(String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url + path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url + path)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
