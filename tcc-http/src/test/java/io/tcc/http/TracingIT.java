package io.tcc.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.servlet.function.RouterFunction;
import org.springframework.web.servlet.function.RouterFunctions;
import org.springframework.web.servlet.function.ServerResponse;

import io.micrometer.common.KeyValue;
import io.micrometer.observation.ObservationFilter;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanId;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.tcc.annotation.PhaseTwoMode;
import io.tcc.annotation.Try;
import io.tcc.context.TransactionContext;
import io.tcc.global.GlobalState;
import io.tcc.global.PhaseTwoChoice;
import io.tcc.interception.TccTemplate;
import io.tcc.test.Await;

/**
 * Tracing across the wire: both services trace with Boot's OpenTelemetry support (every trace sampled), each keeping
 * its finished spans in memory as an exporter of its own would send them. An order placed over HTTP is one trace at
 * both services: the order request, its transaction, each branch call with the client's request inside it, the
 * inventory's server request (carrying the xid) and its fenced call inside that, the decision between the tries and
 * phase two. Phase two on the pool stays in the trace; a batch of confirms travels in the trace of the transaction
 * that sent it, and each of its branches is found by its xid. A refused call joins no trace.
 */
class TracingIT extends TwoServices {

    private static final AttributeKey<String> XID = AttributeKey.stringKey("tcc.xid");
    private static final AttributeKey<String> OBSERVATION = AttributeKey.stringKey("observation");

    /** Each service's spans, and a tag naming each span's observation, which the span's own name does not. */
    @Configuration(proxyBeanMethods = false)
    static class Spans {
        @Bean
        InMemorySpanExporter spanExporter() {
            return InMemorySpanExporter.create();
        }

        @Bean
        ObservationFilter observationNames() {
            return context -> context.addHighCardinalityKeyValue(KeyValue.of("observation", context.getName()));
        }
    }

    /** The order service's front door: {@code POST /orders/<sku>/<quantity>[?phaseTwo=ASYNC]}, answering the xid. */
    @Configuration(proxyBeanMethods = false)
    static class OrderRequests {
        @Bean
        RouterFunction<ServerResponse> orderRoutes(OrderApp.Orders orders) {
            return RouterFunctions.route().POST("/orders/{sku}/{quantity}", request -> {
                PhaseTwoMode mode = PhaseTwoMode.valueOf(request.param("phaseTwo").orElse("SYNC"));
                try (PhaseTwoChoice choice = PhaseTwoChoice.bind(mode)) {
                    orders.placeWithLocalBranch(request.pathVariable("sku"),
                            Integer.parseInt(request.pathVariable("quantity")));
                    return ServerResponse.ok().body(choice.outcome().xid());
                }
            }).build();
        }
    }

    /**
     * Holds branch calls at the inventory, inside its server requests, so that confirms meet in a batch: the next
     * confirm until released, and the tries of a round until all of them have arrived. Notes the baggage each call
     * brought, by xid and path.
     */
    static class Holds extends OncePerRequestFilter {
        final Map<String, String> baggage = new ConcurrentHashMap<>();
        final AtomicBoolean holdNextConfirm = new AtomicBoolean();
        final CountDownLatch confirmHeld = new CountDownLatch(1);
        final CountDownLatch releaseConfirm = new CountDownLatch(1);
        volatile CountDownLatch triesMeet;

        @Override
        protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
                throws ServletException, IOException {
            String path = request.getRequestURI();
            if (request.getHeader("baggage") != null) {
                baggage.put(request.getHeader(TccHeaders.XID) + " " + path, request.getHeader("baggage"));
            }
            CountDownLatch tries = triesMeet;
            if (path.equals("/tcc/reserve-stock/confirm") && holdNextConfirm.compareAndSet(true, false)) {
                confirmHeld.countDown();
                await(releaseConfirm);
            } else if (path.equals("/tcc/reserve-stock/try") && tries != null) {
                tries.countDown();
                await(tries);
            }
            chain.doFilter(request, response);
        }

        private static void await(CountDownLatch latch) {
            try {
                if (!latch.await(30, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("a held branch call was not released within 30 s");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class InventoryHolds {
        @Bean
        Holds holds() {
            return new Holds();
        }
    }

    /** The inventory's stock as a participant without an HTTP service group: TCC builds its client itself. */
    @RemoteParticipant("stock")
    public interface StockClient {
        @Try("reserve-stock")
        String reserve(String sku, int quantity);
    }

    @Override
    Class<?>[] moreOrderSources() {
        return new Class<?>[] {Spans.class, OrderRequests.class};
    }

    @Override
    Class<?>[] moreInventorySources() {
        return new Class<?>[] {Spans.class, InventoryHolds.class};
    }

    /** Every trace sampled; confirms to one address linger for each other (the most allowed) while one is in flight. */
    @Override
    String[] moreOrderSettings() {
        return new String[] {"management.tracing.sampling.probability=1.0",
                "tcc.http.remote.participants.inventory.call-timeout=10s", "tcc.http.remote.batch.linger=100ms"};
    }

    @Override
    String[] moreInventorySettings() {
        return new String[] {"management.tracing.sampling.probability=1.0"};
    }

    @Test
    void anOrderIsOneTraceFromItsRequestThroughTryDecisionAndConfirmAtBothServices() throws Exception {
        assertTrue(coordinator().sharesCommitsWithLocalParticipant(), "the order's log and its stock share a database");

        String xid = placeOrder("SYNC", "tenant=acme");

        awaitSpans(xid);
        List<SpanData> atOrder = spans(order);
        List<SpanData> atInventory = spans(inventory);
        SpanData transaction = only(atOrder, "tcc.transaction", xid);
        SpanData request = spanOf(atOrder, transaction.getParentSpanId());
        assertEquals("http.server.requests", observation(request));
        assertEquals(SpanId.getInvalid(), request.getParentSpanId(), "the order request starts the trace");
        // the order request's baggage travelled on with each branch call
        Map<String, String> baggage = inventory.getBean(Holds.class).baggage;
        assertEquals("tenant=acme", baggage.get(xid + " /tcc/reserve-stock/try"), baggage.toString());
        assertEquals("tenant=acme", baggage.get(xid + " /tcc/reserve-stock/confirm"), baggage.toString());
        String trace = request.getTraceId();

        // the tries: the local one, and the remote one with the client's request and the inventory's inside it
        SpanData localTry = only(atOrder, "tcc.branch", xid, "participant", "local", "phase", "try");
        assertChild(transaction, localTry);
        assertChild(localTry, only(atOrder, "tcc.participant", xid, "phase", "try"));
        SpanData remoteTry = only(atOrder, "tcc.branch", xid, "participant", "inventory", "phase", "try");
        assertChild(transaction, remoteTry);
        SpanData fencedTry = only(atInventory, "tcc.participant", xid, "phase", "try");
        assertCrossesTheWire(atOrder, atInventory, remoteTry, fencedTry, "/tcc/reserve-stock/try");

        // the decision, after the tries; the local confirm commits inside it
        SpanData decision = only(atOrder, "tcc.decision", xid);
        assertChild(transaction, decision);
        assertEquals("confirm", attribute(decision, "wanted"));
        assertEquals("CONFIRM", attribute(decision, "outcome"));
        assertTrue(remoteTry.getEndEpochNanos() <= decision.getStartEpochNanos(), "decided after the tries answered");
        assertChild(decision, only(atOrder, "tcc.branch", xid, "participant", "local", "phase", "confirm"));

        // the remote confirm, after the decision
        SpanData remoteConfirm = only(atOrder, "tcc.branch", xid, "participant", "inventory", "phase", "confirm");
        assertChild(transaction, remoteConfirm);
        assertEquals("caller", attribute(remoteConfirm, "driver"));
        assertTrue(decision.getEndEpochNanos() <= remoteConfirm.getStartEpochNanos(), "confirmed after the decision");
        SpanData fencedConfirm = only(atInventory, "tcc.participant", xid, "phase", "confirm");
        assertCrossesTheWire(atOrder, atInventory, remoteConfirm, fencedConfirm, "/tcc/reserve-stock/confirm");

        // nothing of the transaction is outside its trace, at either service
        assertEquals(Set.of(trace), traces(atOrder, xid));
        assertEquals(Set.of(trace), traces(atInventory, xid));
        assertEquals(2, ofXid(atInventory, "http.server.requests", xid).size(), "the try's request and the confirm's");
    }

    @Test
    void anAsynchronousPhaseTwoStaysInItsTransactionsTrace() throws Exception {
        String xid = placeOrder("ASYNC");
        assertEquals(GlobalState.CONFIRMED, coordinator().awaitCompletion(xid, Duration.ofSeconds(30)).orElseThrow());

        awaitSpans(xid);
        List<SpanData> atOrder = spans(order);
        List<SpanData> atInventory = spans(inventory);
        SpanData transaction = only(atOrder, "tcc.transaction", xid);
        SpanData request = spanOf(atOrder, transaction.getParentSpanId());
        SpanData confirm = only(atOrder, "tcc.branch", xid, "participant", "inventory", "phase", "confirm");
        assertEquals("pool", attribute(confirm, "driver"));
        assertChild(transaction, confirm);
        assertTrue(confirm.getEndEpochNanos() <= transaction.getEndEpochNanos(),
                "the transaction's span lasts until its phase two is done");
        assertCrossesTheWire(atOrder, atInventory, confirm, only(atInventory, "tcc.participant", xid, "phase", "confirm"),
                "/tcc/reserve-stock/confirm");
        assertEquals(Set.of(request.getTraceId()), traces(atOrder, xid));
        assertEquals(Set.of(request.getTraceId()), traces(atInventory, xid));
    }

    @Test
    void aBatchOfConfirmsTravelsInTheTraceOfTheTransactionThatSentItAndEachBranchIsFoundByItsXid() throws Exception {
        int round = 4;
        Holds holds = inventory.getBean(Holds.class);
        ExecutorService clients = Executors.newFixedThreadPool(round + 1);
        try {
            // one confirm held in flight, so that the next ones linger for each other
            holds.holdNextConfirm.set(true);
            Future<String> held = clients.submit(() -> placeOrder("SYNC"));
            assertTrue(holds.confirmHeld.await(30, TimeUnit.SECONDS), "the first order's confirm did not arrive");
            // a round of orders whose tries are answered together, so their confirms come at once
            holds.triesMeet = new CountDownLatch(round);
            List<Future<String>> placed = new ArrayList<>();
            for (int i = 0; i < round; i++) {
                placed.add(clients.submit(() -> placeOrder("SYNC")));
            }
            List<String> xids = new ArrayList<>();
            for (Future<String> xid : placed) {
                xids.add(xid.get(60, TimeUnit.SECONDS));
            }
            holds.releaseConfirm.countDown();
            String heldXid = held.get(60, TimeUnit.SECONDS);
            for (String xid : xids) {
                awaitSpans(xid);
            }
            awaitSpans(heldXid);

            List<SpanData> atOrder = spans(order);
            List<SpanData> atInventory = spans(inventory);
            Map<String, List<String>> xidsByInventoryTrace = xids.stream().collect(Collectors.groupingBy(
                    xid -> only(atInventory, "tcc.participant", xid, "phase", "confirm").getTraceId()));
            List<String> batch = xidsByInventoryTrace.values().stream().filter(together -> together.size() > 1)
                    .findFirst().orElseThrow(() -> new AssertionError("no two confirms of the round travelled in one"
                            + " request: " + xidsByInventoryTrace));

            // the batch's request at the inventory, with each branch's fenced confirm inside it
            SpanData firstEntry = only(atInventory, "tcc.participant", batch.get(0), "phase", "confirm");
            SpanData batchRequest = spanOf(atInventory, firstEntry.getParentSpanId());
            assertEquals("http.server.requests", observation(batchRequest));
            assertEquals("/tcc/_batch/confirm", attribute(batchRequest, "http.url"));
            assertEquals(null, batchRequest.getAttributes().get(XID), "a batch's request names no one xid");
            for (String xid : batch) {
                assertChild(batchRequest, only(atInventory, "tcc.participant", xid, "phase", "confirm"));
            }
            // sent by one transaction's confirm, in that transaction's trace
            SpanData sentBy = spanOf(atOrder, spanOf(atOrder, batchRequest.getParentSpanId()).getParentSpanId());
            assertEquals("tcc.branch", observation(sentBy));
            assertEquals("confirm", attribute(sentBy, "phase"));
            String sender = sentBy.getAttributes().get(XID);
            assertEquals(only(atOrder, "tcc.transaction", sender).getTraceId(), batchRequest.getTraceId());
            // every other branch's confirm call stays in its own transaction's trace, with no request of its own
            for (String xid : batch) {
                if (xid.equals(sender)) {
                    continue;
                }
                SpanData follower = only(atOrder, "tcc.branch", xid, "participant", "inventory", "phase", "confirm");
                assertEquals(only(atOrder, "tcc.transaction", xid).getTraceId(), follower.getTraceId());
                assertNotEquals(batchRequest.getTraceId(), follower.getTraceId());
                assertTrue(atOrder.stream().noneMatch(s -> s.getParentSpanId().equals(follower.getSpanId())),
                        "its confirm travelled in the other transaction's request");
            }
            // the held confirm went alone, in its own trace
            SpanData heldConfirm = only(atInventory, "tcc.participant", heldXid, "phase", "confirm");
            assertEquals(only(atOrder, "tcc.transaction", heldXid).getTraceId(), heldConfirm.getTraceId());
        } finally {
            holds.releaseConfirm.countDown();
            holds.triesMeet = null;
            clients.shutdownNow();
        }
    }

    @Test
    void aParticipantClientThatTccBuildsCarriesTheTraceOnTryConfirmAndCancel() throws Exception {
        StockClient stock = order.getBean(RemoteParticipants.class).create(StockClient.class, inventoryUrl);
        TccTemplate template = order.getBean(TccTemplate.class);

        String confirmed = template.execute("stock-only", Duration.ofSeconds(10), () -> {
            stock.reserve(sku, 1);
            return TransactionContext.current().xid();
        });
        String[] cancelled = new String[1];
        assertThrows(IllegalStateException.class, () -> template.execute("stock-only", Duration.ofSeconds(10), () -> {
            cancelled[0] = TransactionContext.current().xid();
            stock.reserve(sku, 1);
            throw new IllegalStateException("payment declined");
        }));

        for (String[] transaction : new String[][] {{confirmed, "try", "confirm"}, {cancelled[0], "try", "cancel"}}) {
            String xid = transaction[0];
            awaitSpans(xid);
            List<SpanData> atOrder = spans(order);
            List<SpanData> atInventory = spans(inventory);
            SpanData root = only(atOrder, "tcc.transaction", xid);
            assertEquals(SpanId.getInvalid(), root.getParentSpanId(), "no request around it: the transaction is the root");
            for (String phase : new String[] {transaction[1], transaction[2]}) {
                SpanData call = only(atOrder, "tcc.branch", xid, "participant", "stock", "phase", phase);
                assertChild(root, call);
                assertCrossesTheWire(atOrder, atInventory, call, only(atInventory, "tcc.participant", xid, "phase", phase),
                        "/tcc/reserve-stock/" + phase);
            }
        }
    }

    @Test
    void aRefusedCallJoinsNoTrace() throws Exception {
        String foreignTrace = HexFormat.of().formatHex(randomBytes(16));
        HttpResponse<String> refused = http.send(HttpRequest.newBuilder(URI.create(inventoryUrl + "/tcc/reserve-stock/try"))
                .header("traceparent", "00-" + foreignTrace + "-" + HexFormat.of().formatHex(randomBytes(8)) + "-01")
                .header(TccHeaders.XID, "refused-" + UUID.randomUUID()).header(TccHeaders.BRANCH, "1")
                .header(TccHeaders.DEADLINE, Long.toString(System.currentTimeMillis() + 60_000))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("[\"" + sku + "\",1]")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(401, refused.statusCode(), refused.body());

        // an order after it: once its spans are in, the refused call's would be too
        String xid = placeOrder("SYNC");
        awaitSpans(xid);

        List<SpanData> atInventory = spans(inventory);
        assertTrue(atInventory.stream().noneMatch(s -> s.getTraceId().equals(foreignTrace)),
                "the unauthenticated caller's trace got spans at the participant");
        assertTrue(atInventory.stream().noneMatch(s -> "401".equals(attribute(s, "status"))),
                "refused before the server's observation: no span at all");
        assertArrayEquals(new int[] {8, 0, 2}, stock(sku), "the refused try reserved nothing; the order took 2");
    }

    /** Places an order through the order service's front door; its xid. */
    private String placeOrder(String phaseTwo) throws Exception {
        return placeOrder(phaseTwo, null);
    }

    /** The same with W3C baggage on the order request. */
    private String placeOrder(String phaseTwo, String baggage) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url(order) + "/orders/" + sku + "/2?phaseTwo="
                + phaseTwo)).POST(HttpRequest.BodyPublishers.noBody());
        if (baggage != null) {
            request.header("baggage", baggage);
        }
        HttpResponse<String> placed = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, placed.statusCode(), placed.body());
        return placed.body();
    }

    private static String url(ConfigurableApplicationContext service) {
        return "http://127.0.0.1:" + service.getEnvironment().getProperty("local.server.port");
    }

    /**
     * Waits for a transaction's spans at both services: its transaction's at the order service inside its finished
     * request, and its fenced try and confirm at the inventory inside theirs. A server's span ends after its answer is
     * sent, so the caller can be answered first.
     */
    private void awaitSpans(String xid) {
        Await.until("the spans of " + xid + " at both services", Duration.ofSeconds(20), () -> {
            List<SpanData> atOrder = spans(order);
            List<SpanData> transaction = ofXid(atOrder, "tcc.transaction", xid);
            List<SpanData> atInventory = spans(inventory);
            List<SpanData> fenced = ofXid(atInventory, "tcc.participant", xid);
            return transaction.size() == 1 && inside(atOrder, transaction.get(0))
                    && fenced.size() == 2 && fenced.stream().allMatch(s -> inside(atInventory, s));
        });
    }

    /** True when the span is a root, or its parent has finished here. */
    private static boolean inside(List<SpanData> spans, SpanData span) {
        return !span.getParentSpanContext().isValid() || spanOrNull(spans, span.getParentSpanId()) != null;
    }

    /** A service's finished spans, flushed from its exporter's batch. */
    private static List<SpanData> spans(ConfigurableApplicationContext service) {
        service.getBean(SdkTracerProvider.class).forceFlush().join(10, TimeUnit.SECONDS);
        return service.getBean(InMemorySpanExporter.class).getFinishedSpanItems();
    }

    /**
     * A branch call that went over the wire: the client's request inside the call, the participant's server request a
     * child of the client's (carrying the xid), and its fenced call inside that, all in one trace.
     */
    private static void assertCrossesTheWire(List<SpanData> atCaller, List<SpanData> atParticipant, SpanData call,
                                             SpanData fenced, String path) {
        List<SpanData> requests = atCaller.stream().filter(s -> s.getParentSpanId().equals(call.getSpanId())).toList();
        assertEquals(1, requests.size(), () -> "one client request inside " + call.getName() + ": " + requests);
        SpanData client = requests.get(0);
        assertEquals("http.client.requests", observation(client));
        assertEquals(SpanKind.CLIENT, client.getKind());
        SpanData server = spanOf(atParticipant, fenced.getParentSpanId());
        assertEquals("http.server.requests", observation(server));
        assertEquals(SpanKind.SERVER, server.getKind());
        assertEquals(path, attribute(server, "http.url"));
        assertChild(client, server);
        assertEquals(call.getAttributes().get(XID), server.getAttributes().get(XID), "the server request names the xid");
        assertChild(server, fenced);
    }

    private static void assertChild(SpanData parent, SpanData child) {
        assertEquals(parent.getTraceId(), child.getTraceId(), () -> child.getName() + " is in another trace than "
                + parent.getName());
        assertEquals(parent.getSpanId(), child.getParentSpanId(), () -> child.getName() + " is not a child of "
                + parent.getName());
    }

    private static List<SpanData> ofXid(List<SpanData> spans, String observation, String xid, String... attributes) {
        return spans.stream().filter(s -> observation.equals(observation(s)) && xid.equals(s.getAttributes().get(XID)))
                .filter(s -> {
                    for (int i = 0; i < attributes.length; i += 2) {
                        if (!attributes[i + 1].equals(attribute(s, attributes[i]))) {
                            return false;
                        }
                    }
                    return true;
                }).toList();
    }

    private static SpanData only(List<SpanData> spans, String observation, String xid, String... attributes) {
        List<SpanData> found = ofXid(spans, observation, xid, attributes);
        assertEquals(1, found.size(), () -> observation + " " + List.of(attributes) + " of " + xid + ": " + found);
        return found.get(0);
    }

    private static SpanData spanOf(List<SpanData> spans, String spanId) {
        SpanData found = spanOrNull(spans, spanId);
        assertTrue(found != null, () -> "no span " + spanId + " here");
        return found;
    }

    private static SpanData spanOrNull(List<SpanData> spans, String spanId) {
        return spans.stream().filter(s -> s.getSpanId().equals(spanId)).findFirst().orElse(null);
    }

    /** The xid's spans' traces. */
    private static Set<String> traces(List<SpanData> spans, String xid) {
        return spans.stream().filter(s -> xid.equals(s.getAttributes().get(XID))).map(SpanData::getTraceId)
                .collect(Collectors.toSet());
    }

    private static String observation(SpanData span) {
        return span.getAttributes().get(OBSERVATION);
    }

    private static String attribute(SpanData span, String key) {
        return span.getAttributes().get(AttributeKey.stringKey(key));
    }

    private static byte[] randomBytes(int count) {
        byte[] bytes = new byte[count];
        ThreadLocalRandom.current().nextBytes(bytes);
        return bytes;
    }
}
