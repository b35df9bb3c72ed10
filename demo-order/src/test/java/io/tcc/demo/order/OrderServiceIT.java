package io.tcc.demo.order;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import io.tcc.test.DatabaseKind;
import io.tcc.test.TestDatabase;
import io.tcc.test.fuzz.FuzzRequest;
import io.tcc.test.fuzz.FuzzTarget;
import io.tcc.test.fuzz.HttpFuzzer;
import io.tcc.test.fuzz.RawHttp;
import io.tcc.test.fuzz.TableCounts;
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
    private static final String OPERATOR_TOKEN = "order-service-operator-token";
    private static final String ORDER = "{\"user\": \"fuzz\", \"sku\": \"BOOK-1\", \"quantity\": 1}";

    private TestDatabase db;
    private ConfigurableApplicationContext service;
    private String url;
    private int port;

    @BeforeAll
    void start() throws Exception {
        db = TestDatabase.create(DatabaseKind.MYSQL, "demo_order").applySchema("fence.sql").applySchema("global.sql")
                .applySchema("quartz.sql").run("db/orders.sql");
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort(); // nothing listens there once it is closed: the inventory is down
        }
        service = new SpringApplicationBuilder(OrderApplication.class).run("--server.port=0", "--server.address=127.0.0.1",
                "--spring.datasource.url=" + db.jdbcUrl(), "--spring.http.serviceclient.inventory.base-url=http://127.0.0.1:" + closedPort,
                "--tcc.http.signing.secret=order-service-test-secret", "--tcc.http.faults.admin-token=order-service-admin-token",
                "--tcc.recovery.operator.token=" + OPERATOR_TOKEN, "--demo.baseline.enabled=true");
        port = Integer.parseInt(service.getEnvironment().getProperty("local.server.port"));
        url = "http://127.0.0.1:" + port;
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

    @Test
    void requestsTomcatOrSpringRefuseAreAnsweredWithAJsonReason() throws Exception {
        assertRefused(raw("POST /orders HTTP/1.1\r\nContent-Type: text/plain\r\n", ORDER), 415, "UNSUPPORTED_MEDIA_TYPE");
        assertRefused(raw("POST /orders HTTP/1.1\r\n", ORDER), 415, "UNSUPPORTED_MEDIA_TYPE");
        assertRefused(raw("GET /orders HTTP/1.1\r\nAccept: text/html\r\n", ""), 405, "METHOD_NOT_ALLOWED");
        assertRefused(raw("DELETE /orders HTTP/1.1\r\n", ""), 405, "METHOD_NOT_ALLOWED");
        assertRefused(raw("POST /orders HTTP/1.1\r\nContent-Type: application/json\r\nX-Pad: " + "p".repeat(20_000)
                + "\r\n", ORDER), 400, "HEADERS_TOO_LARGE");
        assertRefused(raw("POST /orders HTTP/1.1\r\nContent-Type: application/json\r\nX-Bad: a\u0001b\r\n", ORDER),
                400, "BAD_REQUEST");
        assertRefused(raw("POST /ord%zzers HTTP/1.1\r\nContent-Type: application/json\r\n", ORDER), 400, "BAD_REQUEST");
        assertRefused(raw("POST /no/such/path HTTP/1.1\r\nContent-Type: application/json\r\n", ORDER), 404, "NOT_FOUND");
        assertRefused(raw("GET /tcc/admin/transactions HTTP/1.1\r\n", ""), 401, "UNAUTHENTICATED");
        // found by the fuzzer: a wildcard content type was a 500 (spring-framework#27957), and so was the refusal of an
        // order for a client that accepts no JSON (the refusal could not be written): now both are refused up front
        assertRefused(raw("POST /orders HTTP/1.1\r\nContent-Type: */*\r\n", ORDER), 415, "UNSUPPORTED_MEDIA_TYPE");
        assertRefused(raw("POST /orders HTTP/1.1\r\nContent-Type: application/json\r\nAccept: application/xml\r\n",
                "{\"user\": 7}"), 406, "NOT_ACCEPTABLE");
        assertRefused(raw("POST /orders HTTP/1.1\r\nContent-Type: application/json\r\nAccept: text/html\r\n", ORDER),
                406, "NOT_ACCEPTABLE");
        // a body shorter than its Content-Length: the connection ends first
        assertRefused(new RawHttp("127.0.0.1", port, Duration.ofSeconds(10)).send(("POST /orders HTTP/1.1\r\nHost: x\r\n"
                + "Content-Type: application/json\r\nContent-Length: 100\r\nConnection: close\r\n\r\n" + ORDER)
                .getBytes(StandardCharsets.UTF_8)), 400, "BAD_REQUEST");
        assertEquals(0, count("SELECT COUNT(*) FROM orders WHERE user_id = 'fuzz'"));
    }

    @Test
    void fuzzedOrdersAndOperatorCallsAreRefusedWithAJsonReasonWriteNothingAndTheServiceStillServes() throws Exception {
        int requests = Integer.getInteger("fuzz.requests", 1000);
        // the scheduler's own tables change by themselves: every other table must keep its rows
        Map<String, Long> rows = TableCounts.of(db.dataSource(), "qrtz_");
        long seed = HttpFuzzer.seed(System.out);
        HttpFuzzer fuzzer = new HttpFuzzer(seed, "127.0.0.1", port, System.out);
        List<HttpFuzzer.Result> results = new ArrayList<>(List.of(fuzzer.run(orders(), requests),
                fuzzer.run(operator(), requests)));

        List<String> failures = results.stream().flatMap(r -> r.failures().stream()).toList();
        assertTrue(failures.isEmpty(), "seed " + seed + ": " + failures.size() + " wrong answers (first 20 per endpoint):\n"
                + String.join("\n", failures));
        assertEquals(rows, TableCounts.of(db.dataSource(), "qrtz_"), "seed " + seed + ": rows written");
        HttpResponse<String> placed = post("/orders", ORDER);
        assertEquals(201, placed.statusCode(), placed.body());
        HttpResponse<String> listed = http.send(HttpRequest.newBuilder(URI.create(url + "/tcc/admin/transactions"))
                .header("Authorization", "Bearer " + OPERATOR_TOKEN).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, listed.statusCode(), listed.body());
    }

    private static FuzzTarget orders() {
        return new FuzzTarget("POST /orders", random -> new FuzzRequest("POST", "/orders", ORDER.getBytes(StandardCharsets.UTF_8))
                .add("Host", "127.0.0.1").add("Content-Type", "application/json"), Set.of("POST"), List.of(),
                FuzzTarget.Body.STRICT, List.of("{\"user\": \"fuzz\", \"sku\": \"BOOK-1\", \"quantity\": 0}",
                        "{\"user\": \"fuzz\", \"sku\": \"BOOK-1\", \"quantity\": \"1\"}",
                        "{\"user\": \"fuzz\", \"sku\": \"BOOK-1\", \"quantity\": 1.5}",
                        "{\"user\": \"fuzz\", \"sku\": \"BOOK-1\", \"quantity\": 1001}",
                        "{\"user\": 7, \"sku\": \"BOOK-1\", \"quantity\": 1}",
                        "{\"user\": null, \"sku\": \"BOOK-1\", \"quantity\": 1}",
                        "{\"user\": \"fuzz\", \"quantity\": 1}",
                        "{\"user\": \"fuzz\", \"sku\": \"BOOK 1;--\", \"quantity\": 1}",
                        "{\"user\": \"fuzz\", \"sku\": \"BOOK-1\", \"quantity\": 1, \"price\": 0}",
                        "{\"user\": \"" + "u".repeat(65) + "\", \"sku\": \"BOOK-1\", \"quantity\": 1}",
                        "{\"user\": \"fuzz\", \"sku\": [\"BOOK-1\"], \"quantity\": 1}"),
                true, null);
    }

    private static FuzzTarget operator() {
        return new FuzzTarget("operator API", random -> new FuzzRequest("POST", "/tcc/admin/transactions/fuzz-"
                + Long.toHexString(random.nextLong()) + "/resolve",
                "{\"resolution\": \"CANCEL_ALL\", \"reason\": \"fuzz\"}".getBytes(StandardCharsets.UTF_8))
                .add("Host", "127.0.0.1").add("Content-Type", "application/json"), Set.of("POST"), List.of(),
                FuzzTarget.Body.LENIENT, List.of("{\"resolution\": \"NOPE\", \"reason\": \"x\"}", "{\"reason\": \"x\"}",
                        "{\"resolution\": null}", "{}", "null", "[]", "{\"resolution\": \"CANCEL_ALL\"}",
                        "{\"resolution\": \"CANCEL_ALL\", \"reason\": \"\"}",
                        "{\"resolution\": \"CANCEL_ALL\", \"reason\": \"" + "r".repeat(3000) + "\"}",
                        "{\"resolution\": 1, \"reason\": \"x\"}"),
                false, FuzzTarget.bearer(OPERATOR_TOKEN));
    }

    private RawHttp.Answer raw(String head, String body) throws Exception {
        return new RawHttp("127.0.0.1", port, Duration.ofSeconds(10)).send((head + "Host: 127.0.0.1\r\nConnection: close\r\n"
                + "Content-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body)
                .getBytes(StandardCharsets.ISO_8859_1));
    }

    private void assertRefused(RawHttp.Answer answer, int status, String reason) {
        assertEquals(status, answer.status(), answer.toString());
        assertTrue(answer.header("Content-Type").startsWith("application/json"), answer.toString());
        JsonNode body = json.readTree(answer.body());
        assertEquals(reason, body.get("reason").asString(), answer.toString());
        assertTrue(body.get("message").isString() && !body.get("message").asString().isBlank(), answer.toString());
    }

    @Test
    void anAsyncOrderIsAnsweredOnceDecidedAndAGetAwaitsItsPhaseTwoForABoundedTime() throws Exception {
        // the inventory is down: CANCEL is decided and the order row cancelled with it; the inventory's cancel waits
        HttpResponse<String> response = post("/orders?phaseTwo=async", "{\"user\": \"async\", \"sku\": \"BOOK-1\", \"quantity\": 1}");
        assertEquals(201, response.statusCode(), response.body());
        JsonNode placed = json.readTree(response.body());
        assertEquals("CANCEL", placed.get("decision").asString());
        assertEquals("PENDING", placed.get("phaseTwo").asString(), "the inventory's cancel cannot be delivered");
        assertEquals("CANCELLED", placed.get("state").asString());
        String id = placed.get("id").asString();

        long start = System.nanoTime();
        HttpResponse<String> awaited = get("/orders/" + id + "?awaitMillis=300");
        assertEquals(200, awaited.statusCode(), awaited.body());
        assertTrue(System.nanoTime() - start >= 300_000_000L, "it waited for a completion that cannot come");
        assertEquals("PENDING", json.readTree(awaited.body()).get("phaseTwo").asString());
        for (String bad : new String[] {"-1", "30001", "1.5", "x", ""}) {
            HttpResponse<String> refused = get("/orders/" + id + "?awaitMillis=" + bad);
            assertEquals(400, refused.statusCode(), bad + " answered " + refused.body());
        }
        assertEquals(400, post("/orders?phaseTwo=later", ORDER).statusCode());
        assertTrue(json.readTree(post("/orders", ORDER).body()).get("phaseTwo") == null, "synchronous answers are unchanged");
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
