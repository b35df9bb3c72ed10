package io.tcc.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.filter.OncePerRequestFilter;

import io.tcc.context.TransactionContext;
import io.tcc.fence.BranchKey;
import io.tcc.fence.Fence;
import io.tcc.fence.FencePhase;
import io.tcc.fence.FenceRecord;
import io.tcc.fence.FenceState;
import io.tcc.global.Coordinator;
import io.tcc.global.GlobalState;
import io.tcc.interception.TccTemplate;
import io.tcc.test.Await;
import io.tcc.test.DatabaseKind;
import io.tcc.test.TestDatabase;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Batched phase two over real, signed HTTP between an order service and an inventory service, each its own Spring
 * Boot application on its own database: concurrent confirms travel as fewer requests, each branch keeps its own
 * answer, and a batch whose answer is lost leaves every branch pending. Run per database.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class BatchedPhaseTwoContract {

    abstract DatabaseKind kind();

    private final JsonMapper json = JsonMapper.builder().build();
    private final HttpClient http = HttpClient.newHttpClient();
    private final RequestSigner signer = new RequestSigner(InventoryApp.SECRET);
    private TestDatabase inventoryDb;
    private TestDatabase orderDb;
    private ConfigurableApplicationContext inventory;
    private ConfigurableApplicationContext order;
    private String inventoryUrl;
    private String sku;

    /** Counts the phase-two requests the inventory service receives, alone and batched. */
    static class PhaseTwoRequests extends OncePerRequestFilter {
        final AtomicInteger alone = new AtomicInteger();
        final AtomicInteger batches = new AtomicInteger();

        @Override
        protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
                throws ServletException, IOException {
            String path = request.getRequestURI();
            if (path.startsWith("/tcc/_batch/")) {
                batches.incrementAndGet();
            } else if (path.startsWith("/tcc/") && (path.endsWith("/confirm") || path.endsWith("/cancel"))) {
                alone.incrementAndGet();
            }
            chain.doFilter(request, response);
        }

        int total() {
            return alone.get() + batches.get();
        }

        void reset() {
            alone.set(0);
            batches.set(0);
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class Counting {
        @Bean
        PhaseTwoRequests phaseTwoRequests() {
            return new PhaseTwoRequests();
        }
    }

    @BeforeAll
    void startServices() {
        inventoryDb = TestDatabase.create(kind(), "inventory").applySchema("fence.sql").run("tcc-test/stock.sql");
        orderDb = TestDatabase.create(kind(), "orders").applySchema("fence.sql").applySchema("global.sql")
                .run("tcc-test/stock.sql");
        inventory = start(new Class<?>[] {InventoryApp.class, Counting.class}, inventoryDb, "inventory",
                "tcc.http.signing.secret=" + InventoryApp.SECRET);
        inventoryUrl = "http://127.0.0.1:" + inventory.getEnvironment().getProperty("local.server.port");
        // a linger long enough that concurrent confirms on two shared cores surely meet
        order = start(new Class<?>[] {OrderApp.class}, orderDb, "orders", TwoServices.INVENTORY_BASE_URL + "=" + inventoryUrl,
                "tcc.http.signing.secret=" + InventoryApp.SECRET, "tcc.http.remote.batch.linger=20ms",
                "tcc.http.remote.participants.inventory.phase-two-calls=1",
                "tcc.http.faults.enabled=true", "tcc.http.faults.admin-token=" + OrderApp.ADMIN_TOKEN);
    }

    private static ConfigurableApplicationContext start(Class<?>[] sources, TestDatabase db, String name,
                                                        String... properties) {
        return TwoServices.start(sources, db.dataSource(), name, properties);
    }

    @AfterAll
    void stopServices() {
        order.close();
        inventory.close();
        orderDb.close();
        inventoryDb.close();
    }

    @BeforeEach
    void newSku() {
        sku = "sku-" + UUID.randomUUID();
        inventoryDb.jdbc().update("INSERT INTO stock (sku, available, frozen, sold) VALUES (?, 1000, 0, 0)", sku);
        requests().reset();
        faults().clear();
    }

    private PhaseTwoRequests requests() {
        return inventory.getBean(PhaseTwoRequests.class);
    }

    private FaultInjector faults() {
        return order.getBean(FaultInjector.class);
    }

    private Coordinator coordinator() {
        return order.getBean(Coordinator.class);
    }

    private int[] stock(String sku) {
        return inventoryDb.jdbc().queryForObject("SELECT available, frozen, sold FROM stock WHERE sku = ?",
                (rs, n) -> new int[] {rs.getInt(1), rs.getInt(2), rs.getInt(3)}, sku);
    }

    private FenceState fence(String xid) {
        return inventory.getBean(Fence.class).find(new BranchKey(xid, "1")).map(FenceRecord::state).orElse(null);
    }

    /** Places {@code count} orders of one unit at once, each its own global transaction; their xids. */
    private List<String> placeConcurrently(int count) throws Exception {
        OrderApp.InventoryClient client = order.getBean(OrderApp.InventoryClient.class);
        TccTemplate template = order.getBean(TccTemplate.class);
        ExecutorService pool = Executors.newFixedThreadPool(count);
        try {
            List<Callable<String>> places = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                places.add(() -> {
                    String[] xid = new String[1];
                    try {
                        template.execute("batched", Duration.ofSeconds(10), () -> {
                            xid[0] = TransactionContext.current().xid();
                            return client.reserve(sku, 1);
                        });
                    } catch (RemoteBranchException e) {
                        // a lost confirm answer: the transaction is decided, its branch pending
                    }
                    return xid[0];
                });
            }
            List<String> xids = new ArrayList<>();
            for (Future<String> xid : pool.invokeAll(places)) {
                xids.add(xid.get());
            }
            return xids;
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void concurrentConfirmsToOneParticipantArriveAsFewerRequestsAndEachBranchIsConfirmedOnce() throws Exception {
        int count = 24;

        List<String> xids = placeConcurrently(count);

        for (String xid : xids) {
            assertEquals(FenceState.CONFIRMED, fence(xid));
            assertEquals(GlobalState.CONFIRMED, coordinator().log().find(xid).orElseThrow().state());
        }
        assertArrayEquals(new int[] {1000 - count, 0, count}, stock(sku), "each confirm sold its unit once");
        assertTrue(requests().batches.get() > 0, "no batch arrived");
        assertTrue(requests().total() < count, count + " confirms came as " + requests().total() + " requests ("
                + requests().batches.get() + " batches)");
    }

    @Test
    void aBatchWhoseAnswersAreLostLeavesEveryBranchPendingAndTheRetryIsADuplicateForEach() throws Exception {
        int count = 12;
        faults().add(FaultInjector.Rule.times("inventory", "reserve-stock", FencePhase.CONFIRM,
                FaultInjector.Kind.RESPONSE_LOST, count));

        List<String> xids = placeConcurrently(count);

        assertTrue(requests().batches.get() > 0, "the lost answers were not batched");
        for (String xid : xids) {
            assertEquals(FenceState.CONFIRMED, fence(xid), "the participant confirmed " + xid);
            assertEquals(GlobalState.CONFIRMING, coordinator().log().find(xid).orElseThrow().state(),
                    "its answer was lost, so the branch stays pending");
        }
        long duplicatesBefore = duplicates();
        for (String xid : xids) {
            Await.until(xid + " finished by phase two driven again", Duration.ofSeconds(10),
                    () -> coordinator().phaseTwo().resume(xid).orElseThrow().isFinished());
        }
        assertEquals(count, duplicates() - duplicatesBefore, "every retried confirm is a duplicate at the participant");
        assertArrayEquals(new int[] {1000 - count, 0, count}, stock(sku), "no confirm ran twice");
    }

    private long duplicates() {
        return inventory.getBean(io.tcc.fence.FenceCounters.class).duplicates(FencePhase.CONFIRM);
    }

    @Test
    void aMixedBatchAnswersEachBranchAloneAndOneFailingConfirmRollsBackOnlyItself() throws Exception {
        String unsellable = "unsellable-" + UUID.randomUUID();
        inventoryDb.jdbc().update("INSERT INTO stock (sku, available, frozen, sold) VALUES (?, 10, 0, 0)", unsellable);
        Instant deadline = Instant.now().plusSeconds(60);
        String ok1 = tried(sku, deadline);
        String failing = tried(unsellable, deadline);
        String neverTried = "x-" + UUID.randomUUID();
        String ok2 = tried(sku, deadline);

        HttpResponse<byte[]> answer = batch("confirm", entries(deadline, ok1, failing, neverTried, ok2));

        assertEquals(200, answer.statusCode(), new String(answer.body()));
        JsonNode results = json.readTree(answer.body()).get("results");
        assertEquals("SUCCESS", results.get(0).get("status").asString());
        assertEquals("EXECUTED", results.get(0).get("outcome").asString());
        assertEquals("ERROR", results.get(1).get("status").asString());
        assertEquals("BUSINESS_FAILED", results.get(1).get("reason").asString());
        assertEquals("PROTOCOL_VIOLATION", results.get(2).get("status").asString());
        assertEquals("SUCCESS", results.get(3).get("status").asString());
        assertEquals(FenceState.CONFIRMED, fence(ok1));
        assertEquals(FenceState.TRIED, fence(failing), "the failed confirm rolled back its own fence change");
        assertEquals(null, fence(neverTried), "the violation recorded nothing");
        assertEquals(FenceState.CONFIRMED, fence(ok2));
        assertArrayEquals(new int[] {998, 0, 2}, stock(sku));
        assertArrayEquals(new int[] {9, 1, 0}, stock(unsellable));

        // the same batch again: the two confirmed are duplicates, the others answer as before
        JsonNode again = json.readTree(batch("confirm", entries(deadline, ok1, failing, neverTried, ok2)).body()).get("results");
        assertEquals("DUPLICATE", again.get(0).get("outcome").asString());
        assertEquals("BUSINESS_FAILED", again.get(1).get("reason").asString());
        assertEquals("DUPLICATE", again.get(3).get("outcome").asString());
        assertArrayEquals(new int[] {998, 0, 2}, stock(sku));
    }

    @Test
    void aMalformedEntryIsA400NamingItAndChangesNothing() throws Exception {
        Instant deadline = Instant.now().plusSeconds(60);
        String xid = tried(sku, deadline);
        List<Map<String, Object>> entries = entries(deadline, xid, xid + "-other");
        entries.get(1).put("branch", "bad branch!");

        HttpResponse<byte[]> answer = batch("confirm", entries);

        assertEquals(400, answer.statusCode());
        assertTrue(new String(answer.body()).contains("entry 1"), new String(answer.body()));
        assertEquals(FenceState.TRIED, fence(xid), "nothing ran for the well-formed entry either");

        List<Map<String, Object>> unknownField = entries(deadline, xid);
        unknownField.get(0).put("argz", List.of());
        assertEquals(400, batch("confirm", unknownField).statusCode());
        assertEquals(FenceState.TRIED, fence(xid));

        List<Map<String, Object>> argsNotAnArray = entries(deadline, xid);
        argsNotAnArray.get(0).put("args", Map.of("sku", sku));
        assertEquals(400, batch("confirm", argsNotAnArray).statusCode());
        assertEquals(FenceState.TRIED, fence(xid));
    }

    /** A try over signed HTTP, as an initiator sends it; the new branch's xid. */
    private String tried(String sku, Instant deadline) throws Exception {
        String xid = "t-" + UUID.randomUUID();
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(TccHeaders.XID, xid);
        headers.put(TccHeaders.BRANCH, "1");
        headers.put(TccHeaders.ACTION, "reserve-stock");
        headers.put(TccHeaders.DEADLINE, Long.toString(deadline.toEpochMilli()));
        HttpResponse<byte[]> answer = post("/tcc/reserve-stock/try", headers, json.writeValueAsBytes(List.of(sku, 1)));
        assertEquals(200, answer.statusCode(), new String(answer.body()));
        return xid;
    }

    private static List<Map<String, Object>> entries(Instant deadline, String... xids) {
        List<Map<String, Object>> entries = new ArrayList<>();
        for (String xid : xids) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("xid", xid);
            entry.put("branch", "1");
            entry.put("action", "reserve-stock");
            entry.put("deadline", deadline.toEpochMilli());
            entries.add(entry);
        }
        return entries;
    }

    private HttpResponse<byte[]> batch(String phase, List<Map<String, Object>> entries) throws Exception {
        return post("/tcc/_batch/" + phase, new LinkedHashMap<>(), json.writeValueAsBytes(Map.of("entries", entries)));
    }

    private HttpResponse<byte[]> post(String path, Map<String, String> headers, byte[] body) throws Exception {
        headers.put(TccHeaders.TIMESTAMP, Long.toString(signer.now()));
        signer.sign("POST", path, headers, body);
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(inventoryUrl + path))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach(request::header);
        return http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }
}
