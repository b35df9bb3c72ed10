package io.tcc.demo;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** What the scenario sends: orders to the order service, fault rules to its admin endpoint, reads to the inventory. */
public final class DemoClient {

    /** One HTTP answer; {@code body} is its JSON. */
    public record Answer(int status, JsonNode body) {
        /** Not the service's JSON but a balancer's own page (HAProxy's 503 when no instance is up: nothing was sent). */
        public boolean fromBalancer() {
            return body.isString();
        }

        public String text(String field) {
            JsonNode value = body.get(field);
            return value == null || value.isNull() ? null : value.asString();
        }

        @Override
        public String toString() {
            return status + " " + body;
        }
    }

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final JsonMapper json = JsonMapper.builder().build();
    private final String orderUrl;
    private final String inventoryUrl;
    private final String adminToken;

    public DemoClient(String orderUrl, String inventoryUrl, String adminToken) {
        this.orderUrl = orderUrl;
        this.inventoryUrl = inventoryUrl;
        this.adminToken = adminToken;
    }

    public Answer placeOrder(String user, String sku, int quantity) throws IOException, InterruptedException {
        return postOrder("/orders", user, sku, quantity);
    }

    /**
     * {@code POST /orders?phaseTwo=async}: answered once the decision is durable, with {@code "decision"} and
     * {@code "phaseTwo":"PENDING"} (or COMPLETED) added.
     */
    public Answer placeOrderAsync(String user, String sku, int quantity) throws IOException, InterruptedException {
        return postOrder("/orders?phaseTwo=async", user, sku, quantity);
    }

    /**
     * The same order without TCC ({@code POST /baseline/orders}: a local insert and one plain HTTP call that deducts the
     * stock), which the benchmarks measure the order flow against; the services serve it only with
     * {@code demo.baseline.enabled=true}.
     */
    public Answer placeBaselineOrder(String user, String sku, int quantity) throws IOException, InterruptedException {
        return postOrder("/baseline/orders", user, sku, quantity);
    }

    private Answer postOrder(String path, String user, String sku, int quantity) throws IOException, InterruptedException {
        Map<String, Object> order = new LinkedHashMap<>();
        order.put("user", user);
        order.put("sku", sku);
        order.put("quantity", quantity);
        return send(HttpRequest.newBuilder(URI.create(orderUrl + path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(json.writeValueAsBytes(order))));
    }

    /** Arms one of QA's fault points on the order service's calls to the inventory's reserve-stock action. */
    void arm(String phase, String kind, int times, long delayMillis) throws IOException, InterruptedException {
        arm(phase, kind, times, 1.0, delayMillis);
    }

    /** @param probability the chance it hits a matching call, in (0, 1] */
    public void arm(String phase, String kind, int times, double probability, long delayMillis)
            throws IOException, InterruptedException {
        Map<String, Object> rule = new LinkedHashMap<>();
        rule.put("participant", "inventory");
        rule.put("action", "reserve-stock");
        rule.put("phase", phase);
        rule.put("kind", kind);
        rule.put("times", times);
        rule.put("probability", probability);
        rule.put("delayMillis", delayMillis);
        Answer armed = send(faults().header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(json.writeValueAsBytes(rule))));
        if (armed.status() != 201) {
            throw new IllegalStateException("the order service refused the fault rule " + rule + ": " + armed);
        }
    }

    /** The order process's armed fault rules and how many it injected since it started. */
    public JsonNode faultCounts() throws IOException, InterruptedException {
        return expectOk(send(faults().GET()));
    }

    /** Disarms every fault rule of the order service. */
    public void disarm() throws IOException, InterruptedException {
        expectOk(send(faults().DELETE()));
    }

    private HttpRequest.Builder faults() {
        return HttpRequest.newBuilder(URI.create(orderUrl + "/tcc/admin/faults")).header("Authorization", "Bearer " + adminToken);
    }

    /** The inventory process's fence counters since it started ({@code GET /fence}). */
    public JsonNode inventoryFence() throws IOException, InterruptedException {
        return expectOk(send(HttpRequest.newBuilder(URI.create(inventoryUrl + "/fence")).GET()));
    }

    public JsonNode stock(String sku) throws IOException, InterruptedException {
        return expectOk(send(HttpRequest.newBuilder(URI.create(inventoryUrl + "/stock/" + sku)).GET()));
    }

    private static JsonNode expectOk(Answer answer) {
        if (answer.status() != 200) {
            throw new IllegalStateException("the service answered " + answer);
        }
        return answer.body();
    }

    private Answer send(HttpRequest.Builder request) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(request.timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.ofString());
        boolean isJson = response.headers().firstValue("Content-Type").filter(type -> type.contains("json")).isPresent();
        // a balancer's own error page (HAProxy's 503 when no instance is up) is HTML: kept as text
        return new Answer(response.statusCode(), response.body().isEmpty() ? json.nullNode()
                : isJson ? json.readTree(response.body()) : json.getNodeFactory().stringNode(response.body()));
    }
}
