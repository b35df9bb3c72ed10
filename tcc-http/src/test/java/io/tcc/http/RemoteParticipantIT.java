package io.tcc.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DelegatingDataSource;
import org.springframework.transaction.PlatformTransactionManager;

import io.tcc.fence.BranchKey;
import io.tcc.fence.Fence;
import io.tcc.fence.FenceRecord;
import io.tcc.fence.FenceState;
import io.tcc.global.BranchRecord;
import io.tcc.global.Coordinator;
import io.tcc.global.GlobalState;
import io.tcc.test.DatabaseKind;
import io.tcc.test.TestDatabase;
import io.tcc.test.fuzz.RawHttp;
import tools.jackson.databind.json.JsonMapper;

/** The remote path through two real services: outcomes, the participant's endpoint, bad input, signatures. */
class RemoteParticipantIT extends TwoServices {

    // --- the initiator's view ---

    @Test
    void confirmOverHttpReachesTheParticipantFromTheBranchRowAlone() {
        assertEquals("reserved 2", orders().place(sku, 2), "the try's result travels back as JSON");

        String xid = orders().lastXid();
        assertEquals(GlobalState.CONFIRMED, coordinator().log().find(xid).orElseThrow().state());
        BranchRecord branch = coordinator().log().branches(xid).get(0);
        assertEquals("inventory", branch.participant());
        assertEquals("serviceclient:inventory", branch.endpoint(), "the inventory group's logical address");
        assertEquals(FenceState.CONFIRMED, participantFence(xid).state());
        assertArrayEquals(new int[] {8, 0, 2}, stock(sku));
    }

    @Test
    void theDemoFlowOfOneLocalAndOneRemoteBranchCostsSixCommits() {
        orderDb.jdbc().update("INSERT INTO stock (sku, available, frozen, sold) VALUES (?, 10, 0, 0)", sku);
        int orderBefore = orderData.commits();
        int inventoryBefore = inventoryData.commits();

        orders().placeWithLocalBranch(sku, 1);

        int orderCommits = orderData.commits() - orderBefore;
        int inventoryCommits = inventoryData.commits() - inventoryBefore;
        System.out.printf("commits | one local + one remote branch, success path | order service %d, inventory service %d,"
                + " total %d%n", orderCommits, inventoryCommits, orderCommits + inventoryCommits);
        // order: local try + begin + its registration | remote registration | decision + local confirm | remote branch + final state
        assertEquals(4, orderCommits);
        // inventory: the remote try | the remote confirm
        assertEquals(2, inventoryCommits);
        assertEquals(GlobalState.CONFIRMED, coordinator().log().find(orders().lastXid()).orElseThrow().state());
        assertArrayEquals(new int[] {9, 0, 1}, stock(sku));
        assertArrayEquals(new int[] {9, 0, 1}, orderDb.jdbc().queryForObject(
                "SELECT available, frozen, sold FROM stock WHERE sku = ?", (rs, n) -> new int[] {rs.getInt(1), rs.getInt(2), rs.getInt(3)}, sku));
    }

    @Test
    void aBusinessRejectionIsDefiniteAndCancels() {
        RemoteBranchException e = assertThrows(RemoteBranchException.class, () -> orders().place(sku, 99));

        assertEquals(Outcome.DEFINITE_FAILURE, e.result().outcome());
        assertEquals(BranchResponse.Status.REJECTED, e.result().response().status());
        assertEquals("BUSINESS", e.result().response().reason());
        String xid = orders().lastXid();
        assertEquals(GlobalState.CANCELLED, coordinator().log().find(xid).orElseThrow().state());
        assertTrue(participantFence(xid).emptyCancel(), "the try rolled back, so its cancel was an empty one");
        assertArrayEquals(new int[] {10, 0, 0}, stock(sku));
    }

    @Test
    void aTimeoutIsUnknownCancelsAndTheCancelWaitsForTheLateTryThroughTheFence() {
        String slow = "slow-" + UUID.randomUUID();
        inventoryDb.jdbc().update("INSERT INTO stock (sku, available, frozen, sold) VALUES (?, 10, 0, 0)", slow);

        RemoteBranchException e = assertThrows(RemoteBranchException.class, () -> orders().place(slow, 3));

        assertEquals(Outcome.UNKNOWN, e.result().outcome(), e.getMessage());
        String xid = orders().lastXid();
        GlobalState state = coordinator().log().find(xid).orElseThrow().state();
        if (state != GlobalState.CANCELLED) {
            // the cancel's retries ran out while the try still held its row: recovery's re-drive finishes it
            assertEquals(GlobalState.CANCELLING, state);
            assertEquals(GlobalState.CANCELLED, coordinator().phaseTwo().resume(xid).orElseThrow());
        }
        FenceRecord fence = participantFence(xid);
        assertEquals(FenceState.CANCELLED, fence.state());
        // usually the try reached the participant and its cancel waited for it, then released it; on a loaded machine
        // the cancel may arrive first: an empty cancel, and the try that arrives after it is refused (suspension)
        if (fence.emptyCancel()) {
            System.out.println("RemoteParticipantIT: the cancel of " + xid + " arrived before its try (empty cancel)");
        }
        assertArrayEquals(new int[] {10, 0, 0}, stock(slow));
    }

    @Test
    void aParticipantThatRefusesConnectionsIsADefiniteFailureAndItsCancelStaysPending() throws Exception {
        RemoteParticipants participants = order.getBean(RemoteParticipants.class);
        OrderApp.InventoryClient down = participants.create(OrderApp.InventoryClient.class, "http://127.0.0.1:9");
        OrderApp.Orders orders = new OrderApp.Orders(down);
        io.tcc.interception.TccTemplate template = order.getBean(io.tcc.interception.TccTemplate.class);
        String[] xid = new String[1];

        RemoteBranchException e = assertThrows(RemoteBranchException.class, () -> template.execute("down",
                java.time.Duration.ofSeconds(10), () -> {
                    xid[0] = io.tcc.context.TransactionContext.current().xid();
                    return down.reserve(sku, 1);
                }));

        assertEquals(Outcome.DEFINITE_FAILURE, e.result().outcome());
        assertTrue(e.result().detail().contains("never sent"), e.result().detail());
        assertEquals(GlobalState.CANCELLING, coordinator().log().find(xid[0]).orElseThrow().state(),
                "its cancel could not be delivered either: it stays pending for recovery, nothing is guessed");
        assertTrue(coordinator().log().branches(xid[0]).get(0).lastOutcome().contains("never sent"));
    }

    @Test
    void repeatedRefusalsOpenTheParticipantsCircuitAndItsNextCallIsNotSent() throws Exception {
        OrderApp.LedgerClient ledger = order.getBean(RemoteParticipants.class)
                .create(OrderApp.LedgerClient.class, "http://127.0.0.1:9");
        io.tcc.interception.TccTemplate template = order.getBean(io.tcc.interception.TccTemplate.class);
        List<String> details = new java.util.ArrayList<>();
        for (int i = 0; i < 3; i++) {
            RemoteBranchException e = assertThrows(RemoteBranchException.class,
                    () -> template.execute("ledger", java.time.Duration.ofSeconds(5), () -> {
                        ledger.post("entry");
                        return null;
                    }));
            assertEquals(Outcome.DEFINITE_FAILURE, e.result().outcome());
            details.add(e.result().detail());
        }
        assertTrue(details.get(0).contains("connection refused"), details.toString());
        assertTrue(details.get(2).contains("circuit breaker open"), details.toString());
    }

    // --- the participant's endpoint, called directly ---

    private HttpResponse<String> post(String path, Map<String, String> headers, byte[] body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(inventoryUrl + path))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).header("Content-Type", "application/json");
        headers.forEach(request::header);
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private Map<String, String> signed(String path, String xid, byte[] body) {
        Map<String, String> headers = new HashMap<>(Map.of(TccHeaders.XID, xid, TccHeaders.BRANCH, "1",
                TccHeaders.ACTION, "reserve-stock",
                TccHeaders.DEADLINE, Long.toString(Instant.now().plusSeconds(60).toEpochMilli()),
                TccHeaders.TIMESTAMP, Long.toString(System.currentTimeMillis())));
        signer.sign("POST", path, headers, body);
        return headers;
    }

    private BranchResponse read(HttpResponse<String> response) {
        return json.readValue(response.body(), BranchResponse.class);
    }

    @Test
    void aTryArrivingAfterItsCancelIsRefusedOnTheParticipant() throws Exception {
        String xid = "late-" + UUID.randomUUID();
        HttpResponse<String> cancel = post("/tcc/reserve-stock/cancel", signed("/tcc/reserve-stock/cancel", xid, new byte[0]), new byte[0]);
        assertEquals(200, cancel.statusCode(), cancel.body());
        assertEquals("EMPTY_CANCEL", read(cancel).outcome());

        byte[] args = json.writeValueAsBytes(List.of(sku, 1));
        HttpResponse<String> lateTry = post("/tcc/reserve-stock/try", signed("/tcc/reserve-stock/try", xid, args), args);

        assertEquals(409, lateTry.statusCode(), lateTry.body());
        assertEquals(BranchResponse.Status.REJECTED, read(lateTry).status());
        assertEquals("SUSPENDED", read(lateTry).reason());
        assertArrayEquals(new int[] {10, 0, 0}, stock(sku));
    }

    @Test
    void aConfirmCarryingOtherArgumentsThanItsTryOrNoneThatBindConfirmsWithTheRecordedOnes() throws Exception {
        for (byte[] carried : new byte[][] {json.writeValueAsBytes(List.of(sku, 5)), "not the arguments".getBytes()}) {
            String xid = "carried-" + UUID.randomUUID();
            byte[] args = json.writeValueAsBytes(List.of(sku, 2));
            assertEquals(200, post("/tcc/reserve-stock/try", signed("/tcc/reserve-stock/try", xid, args), args).statusCode());

            HttpResponse<String> confirm = post("/tcc/reserve-stock/confirm",
                    signed("/tcc/reserve-stock/confirm", xid, carried), carried);

            assertEquals(200, confirm.statusCode(), confirm.body());
            assertEquals("EXECUTED", read(confirm).outcome());
        }
        assertArrayEquals(new int[] {6, 0, 4}, stock(sku), "two units sold each time, as the tries recorded");
    }

    @Test
    void badInputIsA4xxWithAMessageAndRecordsNothing() throws Exception {
        int before = participantFenceRows();
        byte[] args = json.writeValueAsBytes(List.of(sku, 1));

        Map<String, String> noXid = signed("/tcc/reserve-stock/try", "x-1", args);
        noXid.remove(TccHeaders.XID);
        signer.sign("POST", "/tcc/reserve-stock/try", noXid, args);
        HttpResponse<String> missing = post("/tcc/reserve-stock/try", noXid, args);
        assertEquals(400, missing.statusCode());
        assertTrue(read(missing).message().contains(TccHeaders.XID), missing.body());

        HttpResponse<String> badXid = post("/tcc/reserve-stock/try", signed("/tcc/reserve-stock/try", "bad xid!", args), args);
        assertEquals(400, badXid.statusCode(), badXid.body());

        HttpResponse<String> unknownAction = post("/tcc/teleport/try", signed("/tcc/teleport/try", "x-2", args), args);
        assertEquals(400, unknownAction.statusCode(), unknownAction.body());

        byte[] notAnArray = "{\"sku\":1}".getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> wrongBody = post("/tcc/reserve-stock/try", signed("/tcc/reserve-stock/try", "x-3", notAnArray), notAnArray);
        assertEquals(400, wrongBody.statusCode(), wrongBody.body());

        for (String lenient : new String[] {"[\"" + sku + "\", 1.5]", "[\"" + sku + "\", \"5\"]", "[7, 1]",
                "[\"" + sku + "\", true]", "[\"" + sku + "\", null]", "[\"" + sku + "\", 1] []"}) {
            byte[] body = lenient.getBytes(StandardCharsets.UTF_8);
            HttpResponse<String> refused = post("/tcc/reserve-stock/try", signed("/tcc/reserve-stock/try", "x-6", body), body);
            assertEquals(400, refused.statusCode(), lenient + " -> " + refused.body());
            String message = read(refused).message();
            assertTrue(message.contains("argument") || message.contains("not JSON"), refused.body());
        }

        // answered from its headers, before the body: sent without one (a client that sends the whole body first may
        // see the connection the refusal closes as a reset before it reads the answer)
        byte[] huge = new byte[20 * 1024];
        StringBuilder headersOnly = new StringBuilder("POST /tcc/reserve-stock/try HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Content-Type: application/json\r\nContent-Length: " + huge.length + "\r\nConnection: close\r\n");
        signed("/tcc/reserve-stock/try", "x-4", huge).forEach((name, value) -> headersOnly.append(name).append(": ")
                .append(value).append("\r\n"));
        URI inventory = URI.create(inventoryUrl);
        RawHttp.Answer tooLarge = new RawHttp(inventory.getHost(), inventory.getPort(), Duration.ofSeconds(10))
                .send(headersOnly.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
        assertEquals(413, tooLarge.status(), tooLarge.text());
        assertTrue(tooLarge.text().contains("TOO_LARGE"), tooLarge.text());

        HttpResponse<String> confirmNeverTried = post("/tcc/reserve-stock/confirm",
                signed("/tcc/reserve-stock/confirm", "x-5", new byte[0]), new byte[0]);
        assertEquals(422, confirmNeverTried.statusCode(), confirmNeverTried.body());

        assertEquals(before, participantFenceRows());
        assertArrayEquals(new int[] {10, 0, 0}, stock(sku));
    }

    @Test
    void unsignedForgedAndStaleRequestsAre401AndRecordNothing() throws Exception {
        int before = participantFenceRows();
        byte[] args = json.writeValueAsBytes(List.of(sku, 1));

        Map<String, String> unsigned = signed("/tcc/reserve-stock/try", "f-1", args);
        unsigned.remove(TccHeaders.SIGNATURE);
        assertEquals(401, post("/tcc/reserve-stock/try", unsigned, args).statusCode());

        Map<String, String> forged = new HashMap<>(unsigned);
        RequestSigner attacker = new RequestSigner("not-the-shared-secret-at-all");
        attacker.sign("POST", "/tcc/reserve-stock/try", forged, args);
        assertEquals(401, post("/tcc/reserve-stock/try", forged, args).statusCode());

        Map<String, String> tampered = signed("/tcc/reserve-stock/try", "f-2", args);
        byte[] more = json.writeValueAsBytes(List.of(sku, 5));
        assertEquals(401, post("/tcc/reserve-stock/try", tampered, more).statusCode(), "the body is signed");

        Map<String, String> stale = signed("/tcc/reserve-stock/try", "f-3", args);
        stale.put(TccHeaders.TIMESTAMP, Long.toString(System.currentTimeMillis() - 600_000));
        signer.sign("POST", "/tcc/reserve-stock/try", stale, args);
        HttpResponse<String> replayed = post("/tcc/reserve-stock/try", stale, args);
        assertEquals(401, replayed.statusCode());
        // why it was refused (the clock window, a mismatch) is for the participant's log, not for the caller
        assertEquals("UNAUTHENTICATED", read(replayed).reason());
        assertEquals(read(replayed).message(), read(post("/tcc/reserve-stock/try", forged, args)).message());
        assertFalse(replayed.body().contains("window") || replayed.body().contains("ms"), replayed.body());

        assertEquals(before, participantFenceRows());
        assertArrayEquals(new int[] {10, 0, 0}, stock(sku));
    }
}
