package io.tcc.http;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Objects;
import java.util.function.UnaryOperator;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs and checks branch calls with HMAC-SHA256 over the method, the path, the transaction headers, the timestamp and
 * a SHA-256 of the body, with a secret both sides share. A request outside the timestamp window is refused, which
 * bounds replays; the fence makes a replay inside it harmless (a duplicate).
 */
public final class RequestSigner {

    /** A request that is unsigned, wrongly signed or outside the time window. */
    public static final class SignatureRejectedException extends Exception {
        public SignatureRejectedException(String message) {
            super(message);
        }
    }

    private static final String[] SIGNED_HEADERS = {TccHeaders.XID, TccHeaders.BRANCH, TccHeaders.ACTION, TccHeaders.DEADLINE};

    private final SecretKeySpec key;
    private final Duration window;
    private final Clock clock;

    public RequestSigner(String secret, Duration window, Clock clock) {
        if (secret == null || secret.getBytes(StandardCharsets.UTF_8).length < 16) {
            throw new IllegalArgumentException("the signing secret must have at least 16 bytes");
        }
        this.key = new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256");
        this.window = Objects.requireNonNull(window, "window");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    public RequestSigner(String secret) {
        this(secret, Duration.ofSeconds(60), Clock.systemUTC());
    }

    /** The signature for a request whose headers {@code header} returns (the timestamp header included). */
    public String sign(String method, String path, UnaryOperator<String> header, byte[] body) {
        return Base64.getEncoder().encodeToString(mac(canonical(method, path, header, body)));
    }

    public long now() {
        return clock.millis();
    }

    /** @throws SignatureRejectedException saying what is wrong, without echoing the secret or the expected value */
    public void verify(String method, String path, UnaryOperator<String> header, byte[] body) throws SignatureRejectedException {
        String signature = header.apply(TccHeaders.SIGNATURE);
        String timestamp = header.apply(TccHeaders.TIMESTAMP);
        if (signature == null || timestamp == null) {
            throw new SignatureRejectedException("the request is not signed (" + TccHeaders.SIGNATURE + " and "
                    + TccHeaders.TIMESTAMP + " are required)");
        }
        if (!timestamp.matches("[0-9]{1,15}")) {
            throw new SignatureRejectedException(TccHeaders.TIMESTAMP + " must be epoch milliseconds");
        }
        long age = clock.millis() - Long.parseLong(timestamp);
        if (Math.abs(age) > window.toMillis()) {
            throw new SignatureRejectedException("the request was signed " + age + " ms from now, outside the "
                    + window.toMillis() + " ms window: a replay, or clocks too far apart");
        }
        byte[] given;
        try {
            given = Base64.getDecoder().decode(signature);
        } catch (IllegalArgumentException e) {
            throw new SignatureRejectedException(TccHeaders.SIGNATURE + " is not Base64");
        }
        if (!MessageDigest.isEqual(given, mac(canonical(method, path, header, body)))) {
            throw new SignatureRejectedException("the signature does not match: wrong secret, or the request was altered");
        }
    }

    private static String canonical(String method, String path, UnaryOperator<String> header, byte[] body) {
        StringBuilder text = new StringBuilder(method).append('\n').append(path).append('\n');
        for (String name : SIGNED_HEADERS) {
            String value = header.apply(name);
            text.append(value == null ? "" : value).append('\n');
        }
        text.append(header.apply(TccHeaders.TIMESTAMP)).append('\n');
        try {
            text.append(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body == null ? new byte[0] : body)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
        return text.toString();
    }

    private byte[] mac(String canonical) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return mac.doFinal(canonical.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is unavailable", e);
        }
    }
}
