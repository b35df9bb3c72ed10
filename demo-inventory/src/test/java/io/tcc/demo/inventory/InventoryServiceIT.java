package io.tcc.demo.inventory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import io.tcc.http.RequestSigner;
import io.tcc.http.TccHeaders;
import io.tcc.test.DatabaseKind;
import io.tcc.test.TestDatabase;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The inventory service as it runs in the demo (its own Tomcat and database, called over real HTTP), with the
 * benchmark's baseline endpoint switched on as the benchmark runs it; demo-runner's DemoScenarioIT shows the demo
 * does not serve it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class InventoryServiceIT {

    private static final String SECRET = "inventory-service-test-secret";

    private final HttpClient http = HttpClient.newHttpClient();
    private final JsonMapper json = JsonMapper.builder().build();
    private TestDatabase db;
    private ConfigurableApplicationContext service;
    private String url;

    @BeforeAll
    void start() {
        db = TestDatabase.create(DatabaseKind.MYSQL, "demo_inventory").applySchema("fence.sql").run("db/inventory.sql");
        db.jdbc().update("INSERT INTO stock (sku, available) VALUES ('BOOK-1', 10), ('MUG-2', 3)");
        // arguments, as the demo runner passes them: they win over application.properties
        service = new SpringApplicationBuilder(InventoryApplication.class).run("--server.port=0",
                "--server.address=127.0.0.1", "--spring.datasource.url=" + db.jdbcUrl(), "--tcc.http.signing.secret=" + SECRET,
                "--demo.baseline.enabled=true");
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
    void listsAndReadsStock() throws Exception {
        JsonNode all = get("/stock", 200);
        assertEquals(List.of("BOOK-1", "MUG-2"), all.get("stock").valueStream().map(s -> s.get("sku").asString()).toList());
        JsonNode one = get("/stock?limit=1", 200).get("stock");
        assertEquals(1, one.size());
        JsonNode mug = get("/stock/MUG-2", 200);
        assertEquals(3, mug.get("available").asInt());
    }

    @Test
    void malformedLimitIsRefusedWith400() throws Exception {
        for (String limit : new String[] {"0", "1001", "abc", "-1", "1.5", "99999"}) {
            assertError(get("/stock?limit=" + limit, 400), "limit must be a whole number from 1 to 1000");
        }
        assertNothingChanged();
    }

    @Test
    void malformedSkuIsRefusedWith400AndUnknownOneWith404() throws Exception {
        for (String sku : new String[] {"bad%20sku", "-BOOK", "x".repeat(33), "BOOK%0A1", "%C3%A9t%C3%A9"}) {
            assertError(get("/stock/" + sku, 400), "is not a SKU");
        }
        assertError(get("/stock/NOPE-9", 404), "no SKU NOPE-9");
        assertNothingChanged();
    }

    @Test
    void theBenchmarksBaselineDeductionMovesAvailableToSoldOrRefuses() throws Exception {
        JsonNode before = get("/stock/BOOK-1", 200);
        assertEquals(200, deduct("BOOK-1", "1").statusCode());
        JsonNode after = get("/stock/BOOK-1", 200);
        assertEquals(before.get("available").asInt() - 1, after.get("available").asInt());
        assertEquals(before.get("sold").asInt() + 1, after.get("sold").asInt());
        assertEquals(409, deduct("BOOK-1", "1000").statusCode());
        assertEquals(409, deduct("NOPE-9", "1").statusCode());
        for (String[] bad : new String[][] {{"-BOOK", "1"}, {"bad%20sku", "1"}, {"BOOK-1", "0"}, {"BOOK-1", "1001"},
                {"BOOK-1", "-1"}, {"BOOK-1", "abc"}, {"BOOK-1", "99999"}, {"BOOK-1", null}}) {
            HttpResponse<String> response = deduct(bad[0], bad[1]);
            assertEquals(400, response.statusCode(), bad[0] + " " + bad[1] + " answered " + response.body());
            assertTrue(json.readTree(response.body()).has("error"), response.body());
        }
        assertEquals(after.toString(), get("/stock/BOOK-1", 200).toString());
        assertNothingChanged();
    }

    @Test
    void fenceCountersAreReadable() throws Exception {
        JsonNode fence = get("/fence", 200);
        assertTrue(fence.has("suspensionsRefused") && fence.has("emptyCancels") && fence.get("executed").has("TRY"), fence.toString());
    }

    @Test
    void tryFreezesConfirmSellsAndTheFreezeRowFollows() throws Exception {
        String order = UUID.randomUUID().toString();
        HttpResponse<String> tried = branch(order, "try", "[\"" + order + "\", \"BOOK-1\", 2]");
        assertEquals(200, tried.statusCode(), tried.body());
        assertEquals("FROZEN", freezeState(order));
        assertEquals(200, branch(order, "confirm", "").statusCode());
        assertEquals("SOLD", freezeState(order));
        JsonNode book = get("/stock/BOOK-1", 200);
        assertEquals(0, book.get("frozen").asInt());
        assertTrue(book.get("sold").asInt() >= 2);
        assertEquals(10, book.get("available").asInt() + book.get("frozen").asInt() + book.get("sold").asInt());
    }

    @Test
    void shortStockIsADefiniteRejectionThatRecordsNothing() throws Exception {
        String order = UUID.randomUUID().toString();
        HttpResponse<String> tried = branch(order, "try", "[\"" + order + "\", \"MUG-2\", 4]");
        assertEquals(409, tried.statusCode(), tried.body());
        JsonNode answer = json.readTree(tried.body());
        assertEquals("BUSINESS", answer.get("reason").asString());
        assertEquals("not enough stock of MUG-2: 4 asked, 3 available", answer.get("message").asString());
        assertEquals(0, db.jdbc().queryForObject("SELECT COUNT(*) FROM stock_freeze WHERE order_id = ?", Integer.class, order));
        assertEquals(0, db.jdbc().queryForObject("SELECT COUNT(*) FROM tcc_fence WHERE xid = ?", Integer.class, "x-" + order));
        // its cancel finds no try: an empty rollback, and the stock is untouched
        HttpResponse<String> cancelled = branch(order, "cancel", "");
        assertEquals("EMPTY_CANCEL", json.readTree(cancelled.body()).get("outcome").asString());
        assertEquals(3, get("/stock/MUG-2", 200).get("available").asInt());
    }

    @Test
    void zeroAndNegativeQuantitiesAreDefiniteRejectionsThatTouchNoStock() throws Exception {
        int[] before = stockOf("BOOK-1");
        for (int quantity : new int[] {0, -5}) {
            String order = UUID.randomUUID().toString();
            HttpResponse<String> tried = branch(order, "try", "[\"" + order + "\", \"BOOK-1\", " + quantity + "]");
            assertEquals(409, tried.statusCode(), tried.body());
            JsonNode answer = json.readTree(tried.body());
            assertEquals("BUSINESS", answer.get("reason").asString());
            assertEquals("quantity must be at least 1, was " + quantity, answer.get("message").asString());
            assertEquals(0, db.jdbc().queryForObject("SELECT COUNT(*) FROM tcc_fence WHERE xid = ?", Integer.class, "x-" + order));
            assertEquals(0, db.jdbc().queryForObject("SELECT COUNT(*) FROM stock_freeze WHERE order_id = ?", Integer.class, order));
        }
        assertArrayEquals(before, stockOf("BOOK-1"));
    }

    private int[] stockOf(String sku) throws Exception {
        JsonNode row = get("/stock/" + sku, 200);
        return new int[] {row.get("available").asInt(), row.get("frozen").asInt(), row.get("sold").asInt()};
    }

    private void assertNothingChanged() {
        assertEquals(0, db.jdbc().queryForObject("SELECT COUNT(*) FROM stock WHERE sku NOT IN ('BOOK-1', 'MUG-2')", Integer.class));
    }

    private void assertError(JsonNode body, String expected) {
        assertTrue(body.get("error").asString().contains(expected), body.toString());
    }

    private JsonNode get(String path, int expectedStatus) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url + path)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(expectedStatus, response.statusCode(), path + " answered " + response.body());
        return json.readTree(response.body());
    }

    private HttpResponse<String> deduct(String sku, String quantity) throws Exception {
        String path = "/baseline/stock/" + sku + "/deduct" + (quantity == null ? "" : "?quantity=" + quantity);
        return http.send(HttpRequest.newBuilder(URI.create(url + path)).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private String freezeState(String order) {
        return db.jdbc().queryForObject("SELECT state FROM stock_freeze WHERE order_id = ?", String.class, order);
    }

    /** A branch call as the order service sends it: signed, with the transaction's headers. */
    private HttpResponse<String> branch(String order, String phase, String body) throws Exception {
        String path = "/tcc/reserve-stock/" + phase;
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        RequestSigner signer = new RequestSigner(SECRET);
        Map<String, String> headers = new HashMap<>();
        headers.put(TccHeaders.XID, "x-" + order);
        headers.put(TccHeaders.BRANCH, "2");
        headers.put(TccHeaders.ACTION, "reserve-stock");
        headers.put(TccHeaders.DEADLINE, Long.toString(Instant.now().plusSeconds(30).toEpochMilli()));
        headers.put(TccHeaders.TIMESTAMP, Long.toString(signer.now()));
        signer.sign("POST", path, headers, bytes);
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url + path))
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes)).header("Content-Type", "application/json");
        headers.forEach(request::header);
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
