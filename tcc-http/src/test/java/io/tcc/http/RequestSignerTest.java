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
        signer.sign("POST", "/tcc/reserve-stock/try", headers, body);
        return headers;
    }

    @Test
    void aSignedRequestVerifiesFromItsHeadersAndThenItsBody() {
        Map<String, String> headers = signedHeaders();
        assertDoesNotThrow(() -> signer.verify("POST", "/tcc/reserve-stock/try", headers::get));
        assertDoesNotThrow(() -> RequestSigner.verifyBody(headers::get, body));
    }

    @Test
    void anyAlteredPartIsRefused() {
        Map<String, String> headers = signedHeaders();
        assertThrows(RequestSigner.SignatureRejectedException.class,
                () -> signer.verify("POST", "/tcc/reserve-stock/cancel", headers::get));
        assertThrows(RequestSigner.SignatureRejectedException.class,
                () -> RequestSigner.verifyBody(headers::get, "[\"sku-1\",20]".getBytes(StandardCharsets.UTF_8)));
        assertThrows(RequestSigner.SignatureRejectedException.class,
                () -> RequestSigner.verifyBody(headers::get, "[\"sku-1\"".getBytes(StandardCharsets.UTF_8)));

        Map<String, String> otherDigest = signedHeaders();
        otherDigest.put(TccHeaders.CONTENT_SHA256, RequestSigner.digest("[\"sku-1\",20]".getBytes(StandardCharsets.UTF_8)));
        assertThrows(RequestSigner.SignatureRejectedException.class,
                () -> signer.verify("POST", "/tcc/reserve-stock/try", otherDigest::get), "the digest is signed");

        headers.put(TccHeaders.BRANCH, "3");
        assertThrows(RequestSigner.SignatureRejectedException.class,
                () -> signer.verify("POST", "/tcc/reserve-stock/try", headers::get));
    }

    @Test
    void unsignedWronglySignedAndStaleRequestsAreRefusedWithTheReason() {
        Map<String, String> unsigned = signedHeaders();
        unsigned.remove(TccHeaders.SIGNATURE);
        assertTrue(assertThrows(RequestSigner.SignatureRejectedException.class,
                () -> signer.verify("POST", "/tcc/reserve-stock/try", unsigned::get)).getMessage().contains("not signed"));

        Map<String, String> headers = signedHeaders();
        RequestSigner otherSecret = new RequestSigner("another-secret-of-some-length", Duration.ofSeconds(60), clock);
        assertThrows(RequestSigner.SignatureRejectedException.class,
                () -> otherSecret.verify("POST", "/tcc/reserve-stock/try", headers::get));

        RequestSigner later = new RequestSigner(SECRET, Duration.ofSeconds(60), Clock.offset(clock, Duration.ofMinutes(5)));
        assertTrue(assertThrows(RequestSigner.SignatureRejectedException.class,
                () -> later.verify("POST", "/tcc/reserve-stock/try", headers::get)).getMessage().contains("window"));
    }

    @Test
    void aShortSecretIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new RequestSigner("short"));
    }
}
