package io.tcc.http;

import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import io.tcc.participant.JavaSerializationCodec;
import io.tcc.spring.JsonArgumentCodec;
import tools.jackson.databind.json.JsonMapper;

/**
 * Not a test: {@code main} prints the nanoseconds per call of what one branch exchange spends on signing and on
 * encoding its arguments, each against its former way in the same run (best of seven rounds). Run it from the test
 * classpath of tcc-http.
 */
public final class ExchangeCost {

    public static void reserve(String orderId, String sku, int quantity) {
    }

    interface Op { Object run() throws Exception; }

    static double nsPerOp(Op op, int n) throws Exception {
        Object sink = null;
        long best = Long.MAX_VALUE;
        for (int round = 0; round < 7; round++) {
            long t = System.nanoTime();
            for (int i = 0; i < n; i++) {
                sink = op.run();
            }
            best = Math.min(best, System.nanoTime() - t);
        }
        if (sink == null) throw new IllegalStateException();
        return (double) best / n;
    }

    /** The signer as it was: a Mac and a MessageDigest looked up and initialized per call. */
    static String oldSign(SecretKeySpec key, String canonical, byte[] body) throws Exception {
        String digest = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(key);
        return digest + Base64.getEncoder().encodeToString(mac.doFinal((canonical + digest).getBytes(StandardCharsets.UTF_8)));
    }

    public static void main(String[] a) throws Exception {
        String secret = "0123456789abcdef-secret";
        SecretKeySpec key = new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256");
        RequestSigner signer = new RequestSigner(secret);
        byte[] body = "[\"3f1c2a9e-5b7d-4c1e-9a0b-2d4e6f8a1c3e\",\"SKU-000042\",1]".getBytes(StandardCharsets.UTF_8);
        String canonical = "POST\n/tcc/reserve-stock/try\ntcc-3f1c2a9e\n1\nreserve-stock\n1764414000000\n1764413990000\n";
        int n = 200_000;
        double oldSign = nsPerOp(() -> oldSign(key, canonical, body), n);
        double newSign = nsPerOp(() -> {
            Map<String, String> h = new LinkedHashMap<>();
            h.put("Tcc-Xid", "tcc-3f1c2a9e");
            h.put("Tcc-Branch", "1");
            h.put("Tcc-Action", "reserve-stock");
            h.put("Tcc-Deadline", "1764414000000");
            h.put("Tcc-Timestamp", "1764413990000");
            signer.sign("POST", "/tcc/reserve-stock/try", h, body);
            return h;
        }, n);
        System.out.printf("sign a request (digest + HMAC): per-call lookup %.0f ns/op, RequestSigner %.0f ns/op%n", oldSign, newSign);

        Method reserve = ExchangeCost.class.getMethod("reserve", String.class, String.class, int.class);
        Object[] args = {"3f1c2a9e-5b7d-4c1e-9a0b-2d4e6f8a1c3e", "SKU-000042", 1};
        JavaSerializationCodec java = new JavaSerializationCodec();
        JsonArgumentCodec json = new JsonArgumentCodec();
        String javaText = java.encode(reserve, args);
        String jsonText = json.encode(reserve, args);
        System.out.printf("recorded arguments: Java serialization %d chars, JSON %d chars (%s)%n", javaText.length(),
                jsonText.length(), jsonText);
        System.out.printf("encode: Java serialization %.0f ns/op, JSON %.0f ns/op%n",
                nsPerOp(() -> java.encode(reserve, args), n / 4), nsPerOp(() -> json.encode(reserve, args), n));
        System.out.printf("decode: Java serialization %.0f ns/op, JSON %.0f ns/op%n",
                nsPerOp(() -> java.decode(reserve, javaText), n / 4), nsPerOp(() -> json.decode(reserve, jsonText), n));
        JsonMapper mapper = JsonMapper.builder().build();
        System.out.printf("a try body: mapper.writeValueAsBytes %.0f ns/op; a new JsonMapper per call %.0f ns/op%n",
                nsPerOp(() -> mapper.writeValueAsBytes(args), n),
                nsPerOp(() -> JsonMapper.builder().build().writeValueAsBytes(args), 2_000));
    }
}
