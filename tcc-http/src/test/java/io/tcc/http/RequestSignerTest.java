package io.tcc.http;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

class RequestSignerTest {

    private static final String SECRET = "a-shared-secret-of-some-length";
    private final Clock clock = Clock.fixed(Instant.parse("2026-11-21T12:00:00Z"), ZoneOffset.UTC);
    private final RequestSigner signer = new RequestSigner(SECRET, Duration.ofSeconds(60), clock);
    private final byte[] body = "[\"sku-1\",2]".getBytes(StandardCharsets.UTF_8);

    private Map<String, String> signedHeaders() {
        Map<String, String> headers = new HashMap<>(Map.of(TccHeaders.XID, "x-1", TccHeaders.BRANCH, "2",
                TccHeaders.ACTION, "reserve-stock", TccHeaders.DEADLINE, "1790000000000",
                TccHeaders.TIMESTAMP, Long.toString(clock.millis())));
        headers.put(TccHeaders.SIGNATURE, signer.sign("POST", "/tcc/reserve-stock/try", headers::get, body));
        return headers;
    }

    @Test
    void aSignedRequestVerifies() {
        Map<String, String> headers = signedHeaders();
        assertDoesNotThrow(() -> signer.verify("POST", "/tcc/reserve-stock/try", headers::get, body));
    }

    @Test
    void anyAlteredPartIsRefused() {
        Map<String, String> headers = signedHeaders();
        assertThrows(RequestSigner.SignatureRejectedException.class,
                () -> signer.verify("POST", "/tcc/reserve-stock/cancel", headers::get, body));
        assertThrows(RequestSigner.SignatureRejectedException.class,
                () -> signer.verify("POST", "/tcc/reserve-stock/try", headers::get, "[\"sku-1\",20]".getBytes()));
        headers.put(TccHeaders.BRANCH, "3");
        assertThrows(RequestSigner.SignatureRejectedException.class,
                () -> signer.verify("POST", "/tcc/reserve-stock/try", headers::get, body));
    }

    @Test
    void unsignedWronglySignedAndStaleRequestsAreRefusedWithTheReason() {
        Map<String, String> unsigned = signedHeaders();
        unsigned.remove(TccHeaders.SIGNATURE);
        assertTrue(assertThrows(RequestSigner.SignatureRejectedException.class,
                () -> signer.verify("POST", "/tcc/reserve-stock/try", unsigned::get, body)).getMessage().contains("not signed"));

        Map<String, String> headers = signedHeaders();
        RequestSigner otherSecret = new RequestSigner("another-secret-of-some-length", Duration.ofSeconds(60), clock);
        assertThrows(RequestSigner.SignatureRejectedException.class,
                () -> otherSecret.verify("POST", "/tcc/reserve-stock/try", headers::get, body));

        RequestSigner later = new RequestSigner(SECRET, Duration.ofSeconds(60), Clock.offset(clock, Duration.ofMinutes(5)));
        assertTrue(assertThrows(RequestSigner.SignatureRejectedException.class,
                () -> later.verify("POST", "/tcc/reserve-stock/try", headers::get, body)).getMessage().contains("window"));
    }

    @Test
    void aShortSecretIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new RequestSigner("short"));
    }
}
