package io.tcc.http;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import java.util.function.UnaryOperator;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs and checks branch calls with HMAC-SHA256 over the method, the path, the transaction headers, the timestamp and
 * the body's SHA-256 as its header {@link TccHeaders#CONTENT_SHA256} carries it, with a secret both sides share. The
 * signature covers headers only, so a participant authenticates a call before reading its body
 * ({@link #verify}), then checks the body against the signed digest ({@link #verifyBody}). A request outside the
 * timestamp window is refused, which bounds replays; the fence makes a replay inside it harmless (a duplicate).
 */
public final class RequestSigner {

    /** A request that is unsigned, wrongly signed, outside the time window, or whose body is not the one signed. */
    public static final class SignatureRejectedException extends Exception {
        public SignatureRejectedException(String message) {
            super(message);
        }
    }

    private static final String[] SIGNED_HEADERS = {TccHeaders.XID, TccHeaders.BRANCH, TccHeaders.ACTION,
            TccHeaders.DEADLINE, TccHeaders.TIMESTAMP, TccHeaders.CONTENT_SHA256};

    /** One SHA-256 per thread: looking the algorithm up costs more than digesting a small body. */
    private static final ThreadLocal<MessageDigest> SHA_256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    });

    private final SecretKeySpec key;
    private final Duration window;
    private final Clock clock;
    /** One initialized Mac per thread (a Mac is not thread-safe); doFinal resets it for the next call. */
    private final ThreadLocal<Mac> macs = ThreadLocal.withInitial(this::newMac);

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

    /** The value of {@link TccHeaders#CONTENT_SHA256} for {@code body}. */
    public static String digest(byte[] body) {
        return HexFormat.of().formatHex(SHA_256.get().digest(body == null ? new byte[0] : body));
    }

    /**
     * The signature for a request whose headers {@code header} returns: the timestamp and the body's digest included.
     */
    public String sign(String method, String path, UnaryOperator<String> header) {
        return Base64.getEncoder().encodeToString(mac(canonical(method, path, header)));
    }

    /**
     * Adds the body's digest and the signature to {@code headers}, which already hold the transaction headers and the
     * timestamp.
     */
    public void sign(String method, String path, Map<String, String> headers, byte[] body) {
        headers.put(TccHeaders.CONTENT_SHA256, digest(body));
        headers.put(TccHeaders.SIGNATURE, sign(method, path, headers::get));
    }

    public long now() {
        return clock.millis();
    }

    /**
     * Checks a request from its method, path and headers alone, before its body is read.
     *
     * @throws SignatureRejectedException saying what is wrong, without echoing the secret or the expected value
     */
    public void verify(String method, String path, UnaryOperator<String> header) throws SignatureRejectedException {
        String signature = header.apply(TccHeaders.SIGNATURE);
        String timestamp = header.apply(TccHeaders.TIMESTAMP);
        if (signature == null || timestamp == null || header.apply(TccHeaders.CONTENT_SHA256) == null) {
            throw new SignatureRejectedException("the request is not signed (" + TccHeaders.SIGNATURE + ", "
                    + TccHeaders.TIMESTAMP + " and " + TccHeaders.CONTENT_SHA256 + " are required)");
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
        if (!MessageDigest.isEqual(given, mac(canonical(method, path, header)))) {
            throw new SignatureRejectedException("the signature does not match: wrong secret, or the request was altered");
        }
    }

    /** Checks a body, once read, against the digest that {@link #verify} authenticated. */
    public static void verifyBody(UnaryOperator<String> header, byte[] body) throws SignatureRejectedException {
        String signed = header.apply(TccHeaders.CONTENT_SHA256);
        if (signed == null || !MessageDigest.isEqual(signed.getBytes(StandardCharsets.US_ASCII),
                digest(body).getBytes(StandardCharsets.US_ASCII))) {
            throw new SignatureRejectedException("the body is not the one signed (" + TccHeaders.CONTENT_SHA256
                    + " differs): the request was altered or truncated");
        }
    }

    private static String canonical(String method, String path, UnaryOperator<String> header) {
        StringBuilder text = new StringBuilder(method).append('\n').append(path);
        for (String name : SIGNED_HEADERS) {
            String value = header.apply(name);
            text.append('\n').append(value == null ? "" : value);
        }
        return text.toString();
    }

    private byte[] mac(String canonical) {
        return macs.get().doFinal(canonical.getBytes(StandardCharsets.UTF_8));
    }

    private Mac newMac() {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return mac;
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is unavailable", e);
        }
    }
}
