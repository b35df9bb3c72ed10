package io.tcc.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.tcc.test.fuzz.FuzzRequest;
import io.tcc.test.fuzz.RawHttp;
import tools.jackson.databind.JsonNode;

/**
 * Requests Tomcat or Spring MVC refuse before any endpoint sees them, sent over a raw socket to the real services:
 * each is answered with JSON carrying a stable reason, like the endpoints' own errors, never an HTML page.
 */
class HttpErrorsIT extends TwoServices {

    private RawHttp to(org.springframework.context.ConfigurableApplicationContext service) {
        return new RawHttp("127.0.0.1", Integer.parseInt(service.getEnvironment().getProperty("local.server.port")),
                Duration.ofSeconds(10));
    }

    private static byte[] request(String head, String body) {
        return (head + "Host: 127.0.0.1\r\nConnection: close\r\nContent-Length: "
                + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body).getBytes(StandardCharsets.ISO_8859_1);
    }

    private JsonNode assertJsonError(RawHttp.Answer answer, int status, String reason) {
        assertEquals(status, answer.status(), answer.toString());
        assertTrue(answer.header("Content-Type").startsWith("application/json"), answer.toString());
        JsonNode body = json.readTree(answer.body());
        assertEquals(reason, body.get("reason").asString(), answer.toString());
        assertFalse(body.get("status").asString().isEmpty(), answer.toString());
        assertFalse(body.get("message").asString().isEmpty(), answer.toString());
        assertFalse(answer.text().contains("Exception") || answer.text().contains("org.apache"), answer.toString());
        return body;
    }

    @Test
    void anOversizedHeaderIsRefusedWithJsonNotTomcatsHtmlPage() throws IOException {
        RawHttp.Answer answer = to(inventory).send(request("POST /tcc/reserve-stock/try HTTP/1.1\r\nX-Pad: "
                + "a".repeat(20_000) + "\r\n", "[]"));
        assertJsonError(answer, 400, "HEADERS_TOO_LARGE");
        assertEquals(0, participantFenceRows());
    }

    @Test
    void aControlCharacterInAHeaderIsRefusedWithJson() throws IOException {
        assertJsonError(to(inventory).send(request("POST /tcc/reserve-stock/try HTTP/1.1\r\nX-Tcc-Xid: ab\u0001cd\r\n", "[]")),
                400, "BAD_REQUEST");
        assertJsonError(to(order).send(request("GET /tcc/admin/faults HTTP/1.1\r\nAuthorization: Bearer \u007f\r\n", "")),
                400, "BAD_REQUEST");
    }

    @Test
    void aMalformedRequestLineOrUriIsRefusedWithJson() throws IOException {
        RawHttp inventoryHttp = to(inventory);
        assertJsonError(inventoryHttp.send(request("POST /tcc/reserve stock/try HTTP/1.1\r\n", "[]")), 400, "BAD_REQUEST");
        assertJsonError(inventoryHttp.send(request("PO\u0001ST /tcc/reserve-stock/try HTTP/1.1\r\n", "[]")), 400, "BAD_REQUEST");
        assertJsonError(inventoryHttp.send(request("POST /tcc/%zz/try HTTP/1.1\r\n", "[]")), 400, "BAD_REQUEST");
        assertJsonError(inventoryHttp.send(request("POST /tcc/../../etc/passwd HTTP/1.1\r\n", "[]")), 400, "BAD_REQUEST");
        assertJsonError(inventoryHttp.send(request("POST /tcc/reserve-stock/try HTTP/9.9\r\n", "[]")), 505,
                "HTTP_VERSION_NOT_SUPPORTED");
        assertEquals(0, participantFenceRows());
    }

    @Test
    void aWrongMethodOrAPathNothingServesIsAnsweredWithJson() throws IOException {
        assertJsonError(to(inventory).send(request("PUT /tcc/reserve-stock/try HTTP/1.1\r\n", "[]")), 404, "NOT_FOUND");
        assertJsonError(to(order).send(request("PATCH /tcc/admin/faults HTTP/1.1\r\nAccept: text/html\r\n", "{}")),
                404, "NOT_FOUND");
        assertJsonError(to(order).send(request("GET /error HTTP/1.1\r\n", "")), 404, "NOT_FOUND");
    }

    @Test
    void theFaultAdminEndpointsOwnErrorsCarryAReason() throws IOException {
        assertJsonError(to(order).send(request("GET /tcc/admin/faults HTTP/1.1\r\n", "")), 401, "UNAUTHENTICATED");
        String auth = "Authorization: Bearer " + OrderApp.ADMIN_TOKEN + "\r\nContent-Type: application/json\r\n";
        for (String rule : new String[] {"", "null", "[]", "{}", "{\"kind\": \"NOPE\"}", "{\"kind\": \"ERROR\", \"times\": -1}",
                "{\"kind\": \"ERROR\", \"x\": ", "[".repeat(5000)}) {
            JsonNode body = assertJsonError(to(order).send(request("POST /tcc/admin/faults HTTP/1.1\r\n" + auth, rule)),
                    400, "BAD_REQUEST");
            assertFalse(body.get("message").asString().contains("io.tcc"), body.toString());
        }
    }

    @Test
    void aParticipantRefusingItsArgumentsSaysWhichWithoutJavaClassNames() throws IOException {
        for (String arguments : new String[] {"[1, 1]", "[{\"a\": 1}, 1]", "[\"sku-1\", \"1\"]", "[\"sku-1\", 1.5]",
                "[[\"sku-1\"], 1]", "[\"sku-1\", 99999999999]"}) {
            FuzzRequest call = new FuzzRequest("POST", "/tcc/reserve-stock/try", arguments.getBytes(StandardCharsets.UTF_8));
            call.add("Host", "127.0.0.1").add("Content-Type", "application/json").add(TccHeaders.XID, "x-" + System.nanoTime())
                    .add(TccHeaders.BRANCH, "1").add(TccHeaders.DEADLINE, String.valueOf(System.currentTimeMillis() + 60_000))
                    .add(TccHeaders.TIMESTAMP, String.valueOf(signer.now()));
            call.add(TccHeaders.CONTENT_SHA256, RequestSigner.digest(call.body));
            call.add(TccHeaders.SIGNATURE, signer.sign("POST", call.path(), call::first));
            String message = assertJsonError(to(inventory).send(call.bytes()), 400, "BAD_REQUEST").get("message").asString();
            assertTrue(message.startsWith("argument "), message);
            assertFalse(message.contains("java.") || message.contains("io.tcc") || message.contains("`"), message);
        }
        assertEquals(0, participantFenceRows());
    }

    @Test
    void aWildcardContentTypeIsA415NotTheServerError500SpringMvcWouldAnswer() throws IOException {
        // spring-framework#27957: routing through a RouterFunction reads the headers and throws on a wildcard type
        for (String type : new String[] {"*/*", "application/*", "text/*; q=1"}) {
            // a branch call is authenticated first: unsigned, it is a 401 whatever its type; signed, the type is refused
            assertJsonError(to(inventory).send(request("POST /tcc/reserve-stock/try HTTP/1.1\r\nContent-Type: " + type
                    + "\r\n", "[]")), 401, "UNAUTHENTICATED");
            FuzzRequest signed = new FuzzRequest("POST", "/tcc/reserve-stock/try", "[]".getBytes(StandardCharsets.UTF_8));
            signed.add("Host", "127.0.0.1").add("Content-Type", type).add(TccHeaders.XID, "x-" + System.nanoTime())
                    .add(TccHeaders.BRANCH, "1").add(TccHeaders.DEADLINE, String.valueOf(System.currentTimeMillis() + 60_000))
                    .add(TccHeaders.TIMESTAMP, String.valueOf(signer.now()))
                    .add(TccHeaders.CONTENT_SHA256, RequestSigner.digest(signed.body));
            signed.add(TccHeaders.SIGNATURE, signer.sign("POST", signed.path(), signed::first));
            assertJsonError(to(inventory).send(signed.bytes()), 415, "UNSUPPORTED_MEDIA_TYPE");
            assertJsonError(to(order).send(request("GET /tcc/admin/faults HTTP/1.1\r\nContent-Type: " + type + "\r\n", "")),
                    415, "UNSUPPORTED_MEDIA_TYPE");
        }
        assertEquals(0, participantFenceRows());
    }
}
