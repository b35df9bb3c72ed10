package io.tcc.http;

import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.timelimiter.TimeLimiter;
import io.github.resilience4j.timelimiter.TimeLimiterConfig;
import io.tcc.participant.JavaSerializationCodec;
import io.tcc.spring.JsonArgumentCodec;
import com.sun.net.httpserver.HttpServer;
import org.springframework.boot.http.client.ClientHttpRequestFactoryBuilder;
import org.springframework.boot.http.client.HttpClientSettings;
import org.springframework.http.ResponseEntity;
import org.springframework.http.client.ClientHttpRequestFactory;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.support.RestClientAdapter;
import org.springframework.web.service.invoker.HttpServiceProxyFactory;
import org.springframework.web.util.DefaultUriBuilderFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * Not a test: {@code main} prints the nanoseconds per call of what one branch exchange spends on signing and on
 * encoding its arguments, and of a whole signed, guarded call to a local server that answers at once, each against its
 * former way in the same run (best of seven rounds). Run it from the test classpath of tcc-http.
 */
public final class ExchangeCost {

    public static void reserve(String orderId, String sku, int quantity) {
    }

    interface Op { Object run() throws Throwable; }

    static double nsPerOp(Op op, int n) throws Throwable {
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

    public static void main(String[] a) throws Throwable {
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
        wholeCalls(signer, body);
    }

    /** One signed, guarded try to a server on loopback that answers a typed SUCCESS at once, sequentially. */
    static void wholeCalls(RequestSigner signer, byte[] body) throws Throwable {
        byte[] answer = "{\"status\":\"SUCCESS\",\"outcome\":\"EXECUTED\"}".getBytes(StandardCharsets.UTF_8);
        System.setProperty("sun.net.httpserver.nodelay", "true"); // else delayed ACKs cost each answer 40 ms
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        server.setExecutor(Executors.newFixedThreadPool(2));
        server.createContext("/tcc/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        server.start();
        String url = "http://127.0.0.1:" + server.getAddress().getPort();
        RemoteParticipantConfig config = RemoteParticipantConfig.ofDefaults();
        ParticipantGuards guards = new ParticipantGuards();
        OutcomeClassifier classifier = new OutcomeClassifier(JsonMapper.builder().build());
        ExecutorService threads = Executors.newCachedThreadPool(task -> {
            Thread thread = new Thread(task);
            thread.setDaemon(true);
            return thread;
        });
        Map<String, String> headers = Map.of(TccHeaders.XID, "tcc-3f1c2a9e", TccHeaders.BRANCH, "1",
                TccHeaders.ACTION, "reserve-stock", TccHeaders.DEADLINE, "1764414000000");

        // as it was: the JDK's HttpClient, the guards around its future, the request signed by hand
        HttpClient jdk = HttpClient.newBuilder().connectTimeout(config.connectTimeout()).build();
        Bulkhead bulkhead = guards.bulkhead("old", config);
        CircuitBreaker breaker = guards.circuitBreaker("old", config);
        TimeLimiter limiter = TimeLimiter.of(TimeLimiterConfig.custom().timeoutDuration(config.callTimeout()).build());
        Op old = () -> {
            Map<String, String> signed = new LinkedHashMap<>(headers);
            signed.put(TccHeaders.TIMESTAMP, Long.toString(signer.now()));
            signer.sign("POST", "/tcc/reserve-stock/try", signed, body);
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url + "/tcc/reserve-stock/try"))
                    .timeout(Duration.ofSeconds(6)).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body));
            signed.forEach(request::header);
            HttpResponse<byte[]> response = bulkhead.executeCheckedSupplier(() -> breaker.executeCheckedSupplier(
                    () -> limiter.executeFutureSupplier(() -> jdk.sendAsync(request.build(),
                            HttpResponse.BodyHandlers.ofByteArray()))));
            return classifier.ofResponse(response.statusCode(), response.body());
        };
        // now: BranchExchange on a RestClient with the guard and signing interceptors, as RemoteParticipants makes it
        // (the JDK's HttpClient on the call threads), and on Boot's default JDK request factory (a group's client)
        JdkClientHttpRequestFactory own = new JdkClientHttpRequestFactory(HttpClient.newBuilder()
                .connectTimeout(config.connectTimeout()).executor(threads).build());
        own.setReadTimeout(Duration.ofSeconds(6));
        Op now = restCall(own, config, guards, threads, signer, classifier, url, headers, body, "own");
        Op boot = restCall(ClientHttpRequestFactoryBuilder.jdk().build(HttpClientSettings.defaults()
                .withConnectTimeout(config.connectTimeout())), config, guards, threads, signer, classifier, url, headers,
                body, "boot");
        int calls = Integer.getInteger("exchange.calls", 2_000);
        for (int round = 0; round < 2; round++) { // the second round, warmed up, is the one to read
            System.out.printf("a whole call on loopback: JDK HttpClient as before %.0f ns/op; BranchExchange on a"
                    + " RestClient %.0f ns/op; the same on Boot's default JDK request factory %.0f ns/op%n",
                    nsPerOp(old, calls), nsPerOp(now, calls), nsPerOp(boot, calls));
        }
        server.stop(0);
    }

    private static Op restCall(ClientHttpRequestFactory requests, RemoteParticipantConfig config, ParticipantGuards guards,
                               ExecutorService threads, RequestSigner signer, OutcomeClassifier classifier, String url,
                               Map<String, String> headers, byte[] body, String participant) {
        RestClient client = RestClient.builder().requestFactory(requests)
                .requestInterceptor(new GuardInterceptor(participant, config, guards, threads))
                .requestInterceptor(new SigningInterceptor(signer)).build();
        BranchExchange exchange = HttpServiceProxyFactory.builderFor(RestClientAdapter.create(client)).build()
                .createClient(BranchExchange.class);
        Optional<org.springframework.web.util.UriBuilderFactory> address = Optional.of(new DefaultUriBuilderFactory(url));
        return () -> {
            ResponseEntity<byte[]> response = exchange.post(address, "reserve-stock", "try", headers, participant, body);
            return classifier.ofResponse(response.getStatusCode().value(), response.getBody());
        };
    }
}
