package io.tcc.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.tcc.test.fuzz.FuzzRequest;
import io.tcc.test.fuzz.FuzzTarget;
import io.tcc.test.fuzz.HttpFuzzer;
import io.tcc.test.fuzz.RawHttp;
import io.tcc.test.fuzz.TableCounts;

/**
 * The fuzzer against a participant's try, confirm and cancel endpoints (signed) and the initiator's fault admin
 * endpoint (a bearer token): thousands of malformed requests, each answered with a 4xx and a JSON reason, nothing
 * written to either database, nothing armed, and both services still serve a well-formed request afterwards.
 * {@code -Dfuzz.seed=N} replays a run, {@code -Dfuzz.requests=N} sets the requests per endpoint (1000).
 */
class HttpFuzzIT extends TwoServices {

    private static final String RULE = "{\"participant\": \"inventory\", \"action\": \"reserve-stock\", \"phase\": \"TRY\","
            + " \"kind\": \"ERROR\", \"times\": 1, \"probability\": 1.0, \"delayMillis\": 0}";

    private final RequestSigner stranger = new RequestSigner("a-secret-nobody-here-shares");

    private int port(org.springframework.context.ConfigurableApplicationContext service) {
        return Integer.parseInt(service.getEnvironment().getProperty("local.server.port"));
    }

    /** A well-formed, unsigned branch call to {@code phase} with a fresh xid. */
    private FuzzRequest branchCall(String phase, String body, Random random) {
        FuzzRequest request = new FuzzRequest("POST", "/tcc/reserve-stock/" + phase, body.getBytes(StandardCharsets.UTF_8));
        request.add("Host", "127.0.0.1").add("Content-Type", "application/json")
                .add(TccHeaders.XID, "fuzz-" + Long.toHexString(random.nextLong()))
                .add(TccHeaders.BRANCH, "1")
                .add(TccHeaders.DEADLINE, String.valueOf(System.currentTimeMillis() + 60_000));
        return request;
    }

    private void sign(FuzzRequest request, RequestSigner by, long timestamp) {
        request.set(TccHeaders.TIMESTAMP, String.valueOf(timestamp));
        request.set(TccHeaders.CONTENT_SHA256, RequestSigner.digest(request.body));
        request.set(TccHeaders.SIGNATURE, by.sign(request.method, request.path(), request::first));
    }

    private final FuzzTarget.Auth signed = new FuzzTarget.Auth() {
        @Override
        public void authenticate(FuzzRequest request) {
            sign(request, signer, signer.now());
        }

        @Override
        public String breakIt(FuzzRequest request, Random random) {
            long now = signer.now();
            switch (random.nextInt(8)) {
                case 0 -> {
                    return "unsigned";
                }
                case 1 -> {
                    request.set(TccHeaders.TIMESTAMP, String.valueOf(now));
                    return "timestamp-only";
                }
                case 2 -> {
                    sign(request, stranger, now);
                    return "wrong-secret";
                }
                case 3 -> {
                    sign(request, signer, now - 600_000);
                    return "stale";
                }
                case 4 -> {
                    sign(request, signer, now + 600_000);
                    return "future";
                }
                case 5 -> {
                    sign(request, signer, now);
                    byte[] altered = new byte[request.body.length + 1];
                    System.arraycopy(request.body, 0, altered, 0, request.body.length);
                    altered[request.body.length] = ' ';
                    request.body = altered;
                    return "body-altered-after-signing";
                }
                case 6 -> {
                    request.set(TccHeaders.TIMESTAMP, String.valueOf(now));
                    request.set(TccHeaders.SIGNATURE, random.nextBoolean() ? "!!not base64!!" : "AAAA");
                    return "garbage-signature";
                }
                default -> {
                    sign(request, signer, now);
                    request.set(TccHeaders.TIMESTAMP, "12ab");
                    return "timestamp-not-digits";
                }
            }
        }
    };

    private FuzzTarget participant(String phase, FuzzTarget.Body body, String validBody, List<String> invalidBodies) {
        return new FuzzTarget("participant " + phase, random -> branchCall(phase, validBody, random), Set.of("POST"),
                List.of(TccHeaders.XID, TccHeaders.BRANCH, TccHeaders.DEADLINE), body, invalidBodies, false, signed);
    }

    private FuzzTarget faultAdmin() {
        return new FuzzTarget("fault admin", random -> {
            FuzzRequest request = new FuzzRequest("POST", FaultAdminEndpoint.PATH, RULE.getBytes(StandardCharsets.UTF_8));
            return request.add("Host", "127.0.0.1").add("Content-Type", "application/json");
        }, Set.of("GET", "HEAD", "POST", "DELETE"), List.of(), FuzzTarget.Body.LENIENT,
                List.of("{\"kind\": \"NOPE\"}", "{\"kind\": \"ERROR\", \"times\": -1}", "{\"kind\": \"DELAYED\"}",
                        "{\"kind\": \"ERROR\", \"probability\": 2}", "{\"kind\": \"ERROR\", \"phase\": \"NOPE\"}",
                        "{}", "null", "[]", "{\"kind\": \"ERROR\", \"delayMillis\": 5}"),
                false, FuzzTarget.bearer(OrderApp.ADMIN_TOKEN));
    }

    @Test
    void malformedRequestsAreRefusedWithAJsonReasonWriteNothingAndTheServicesStillServe() throws IOException {
        int requests = Integer.getInteger("fuzz.requests", 1000);
        Map<String, Long> inventoryRows = TableCounts.of(inventoryDb.dataSource(), null);
        Map<String, Long> orderRows = TableCounts.of(orderDb.dataSource(), null);
        long seed = HttpFuzzer.seed(System.out);
        HttpFuzzer toInventory = new HttpFuzzer(seed, "127.0.0.1", port(inventory), System.out);
        HttpFuzzer toOrder = new HttpFuzzer(seed, "127.0.0.1", port(order), System.out);
        List<String> invalidTry = List.of("[\"sku-1\"]", "[\"sku-1\", 1, 2]", "[1, 1]", "[\"sku-1\", \"1\"]",
                "[\"sku-1\", 1.5]", "[\"sku-1\", true]", "[\"sku-1\", null]", "[\"sku-1\", 99999999999]",
                "{\"sku\": \"sku-1\", \"quantity\": 1}", "[{\"a\": 1}, 1]", "[\"sku-1\", 1] x", "[[\"sku-1\"], 1]");
        List<HttpFuzzer.Result> results = new ArrayList<>(List.of(
                toInventory.run(participant("try", FuzzTarget.Body.STRICT, "[\"" + sku + "\", 1]", invalidTry), requests),
                toInventory.run(participant("confirm", FuzzTarget.Body.IGNORED, "", List.of()), requests),
                toInventory.run(participant("cancel", FuzzTarget.Body.IGNORED, "", List.of()), requests),
                toOrder.run(faultAdmin(), requests)));

        List<String> failures = results.stream().flatMap(r -> r.failures().stream()).toList();
        assertTrue(failures.isEmpty(), "seed " + seed + ": " + failures.size() + " wrong answers (first 20 per endpoint):\n"
                + String.join("\n", failures));
        assertEquals(inventoryRows, TableCounts.of(inventoryDb.dataSource(), null), "seed " + seed + ": rows written");
        assertEquals(orderRows, TableCounts.of(orderDb.dataSource(), null), "seed " + seed + ": rows written");
        assertTrue(order.getBean(FaultInjector.class).rules().isEmpty(), "seed " + seed + ": a fault was armed");

        // still serving: a signed try of the same kind goes through, and the admin endpoint answers its token
        FuzzRequest valid = branchCall("try", "[\"" + sku + "\", 1]", new Random());
        signed.authenticate(valid);
        RawHttp.Answer tried = new RawHttp("127.0.0.1", port(inventory), Duration.ofSeconds(10)).send(valid.bytes());
        assertEquals(200, tried.status(), tried.toString());
        FuzzRequest list = new FuzzRequest("GET", FaultAdminEndpoint.PATH, new byte[0]).add("Host", "127.0.0.1");
        FuzzTarget.bearer(OrderApp.ADMIN_TOKEN).authenticate(list);
        RawHttp.Answer listed = new RawHttp("127.0.0.1", port(order), Duration.ofSeconds(10)).send(list.bytes());
        assertEquals(200, listed.status(), listed.toString());
    }
}
