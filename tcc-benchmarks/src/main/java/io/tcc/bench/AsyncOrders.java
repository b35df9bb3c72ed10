package io.tcc.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * TCC orders with phase two asynchronous ({@code POST /orders?phaseTwo=async}): the order service answers 201 with
 * {@code "phaseTwo":"PENDING"} once the decision is durable and confirms the branches afterwards. An order service
 * without the option answers otherwise, which {@link #unsupported()} reports instead of measuring.
 */
final class AsyncOrders implements Load.Operation {

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final URI orders;

    AsyncOrders(String orderUrl) {
        this.orders = URI.create(orderUrl + "/orders?phaseTwo=async");
    }

    @Override
    public void run(int thread) throws IOException, InterruptedException {
        HttpResponse<String> answer = place(thread);
        if (answer.statusCode() != 201 || !answer.body().replace(" ", "").contains("\"phaseTwo\":\"PENDING\"")) {
            throw new IllegalStateException("the order service answered " + answer.statusCode() + " "
                    + answer.body().substring(0, Math.min(200, answer.body().length())));
        }
    }

    /** Why asynchronous orders cannot be measured here, from one order placed; null when they can. */
    String unsupported() throws InterruptedException {
        try {
            run(0);
            return null;
        } catch (IOException | RuntimeException e) {
            String answer = String.valueOf(e.getMessage());
            return "not measured: the order service does not offer `POST /orders?phaseTwo=async` ("
                    + answer.substring(0, Math.min(100, answer.length())).replace("|", "/") + " ...)";
        }
    }

    private HttpResponse<String> place(int thread) throws IOException, InterruptedException {
        String body = "{\"user\":\"bench-" + thread + "\",\"sku\":\"" + Benchmarks.sku(thread) + "\",\"quantity\":1}";
        return http.send(HttpRequest.newBuilder(orders).header("Content-Type", "application/json").timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
