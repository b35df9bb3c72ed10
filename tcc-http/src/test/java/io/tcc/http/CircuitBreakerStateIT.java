package io.tcc.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.MeterRegistry;
import io.tcc.test.Await;
import tools.jackson.databind.JsonNode;

/**
 * Issue 12, item 10: an open circuit breaker is visible. The inventory service stops; orders fail until the order
 * service's breaker for it opens; then its meter, the health endpoint and the operators' API all say OPEN for
 * inventory. The service comes back; the breaker goes half-open by itself, and closes after its probe calls succeed.
 */
class CircuitBreakerStateIT extends TwoServices {

    private static final String OPERATOR_TOKEN = "operator-token-for-the-breaker-test";

    @Override
    boolean orderRunsRecovery() {
        return true;
    }

    @Override
    String[] moreOrderSettings() {
        return new String[] {"tcc.http.remote.participants.inventory.minimum-calls=4",
                "tcc.http.remote.participants.inventory.open-duration=6s", // long enough to read it everywhere
                "tcc.http.remote.participants.inventory.half-open-calls=2",
                "tcc.http.remote.participants.inventory.phase-two-calls=1",
                "tcc.recovery.enabled=true", "tcc.recovery.operator.token=" + OPERATOR_TOKEN,
                "management.endpoints.web.exposure.include=health",
                "management.endpoint.health.show-details=always"};
    }

    @Test
    void anOpenBreakerShowsInItsMeterTheHealthEndpointAndTheOperatorsApiAndClosesAfterTheParticipantIsBack()
            throws Exception {
        inventory.close();
        Await.until("the breaker for inventory to open while it is down", Duration.ofSeconds(30), () -> {
            placeIgnoringFailure();
            return breaker() == CircuitBreaker.State.OPEN;
        });
        RemoteBranchException refused = assertThrows(RemoteBranchException.class, () -> orders().place(sku, 1));
        assertTrue(refused.getMessage().contains("circuit breaker open"), refused.getMessage());

        assertEquals(1.0, state("open"), "resilience4j.circuitbreaker.state{name=inventory,state=open}");
        assertEquals(0.0, state("closed"));
        JsonNode health = get("/actuator/health", null).path("components").path("tccRemoteParticipants");
        assertEquals("OUT_OF_SERVICE", health.path("status").asString(), health.toString());
        assertEquals("OPEN", health.path("details").path("inventory").asString(), health.toString());
        assertTrue(health.path("details").path("reason").asString().contains("inventory"), health.toString());
        assertEquals(401, status("/tcc/admin/participants", null), "the operators' view needs their token");
        JsonNode view = get("/tcc/admin/participants", OPERATOR_TOKEN);
        assertEquals(12, view.path("recovery").path("maxAttempts").asInt(), view.toString());
        JsonNode shown = participant(view);
        assertEquals("OPEN", shown.path("circuitBreaker").asString(), shown.toString());
        assertTrue(shown.path("calls").path("try NOT_SENT").asLong() >= 1, "calls refused by the open breaker: " + shown);
        assertTrue(shown.path("calls").size() > 0, shown.toString());

        restartInventory();
        Await.until("the breaker to let probe calls through by itself (HALF_OPEN)", Duration.ofSeconds(20),
                () -> breaker() == CircuitBreaker.State.HALF_OPEN);
        assertEquals(1.0, state("half_open"));
        assertEquals("UP", get("/actuator/health", null).path("components").path("tccRemoteParticipants")
                .path("status").asString(), "probing is not out of service");
        Await.until("the probe calls to succeed and the breaker to close", Duration.ofSeconds(30), () -> {
            placeIgnoringFailure();
            return breaker() == CircuitBreaker.State.CLOSED;
        });
        assertEquals(1.0, state("closed"));
        assertEquals("CLOSED", participant(get("/tcc/admin/participants", OPERATOR_TOKEN)).path("circuitBreaker").asString());
        orders().place(sku, 1);
    }

    private void placeIgnoringFailure() {
        try {
            orders().place(sku, 1);
        } catch (RemoteBranchException expected) {
            // the inventory is down, or the breaker refuses: the order is cancelled
        }
    }

    private CircuitBreaker.State breaker() {
        return order.getBean(ParticipantGuards.class).circuitBreakers().circuitBreaker("inventory").getState();
    }

    private double state(String state) {
        return order.getBean(MeterRegistry.class).get("resilience4j.circuitbreaker.state")
                .tags("name", "inventory", "state", state).gauge().value();
    }

    private JsonNode participant(JsonNode view) {
        for (JsonNode p : view.path("participants")) {
            if (p.path("participant").asString().equals("inventory")) {
                return p;
            }
        }
        throw new AssertionError("inventory is not among the participants: " + view);
    }

    private JsonNode get(String path, String token) throws Exception {
        return json.readTree(send(path, token).body());
    }

    private int status(String path, String token) throws Exception {
        return send(path, token).statusCode();
    }

    private HttpResponse<String> send(String path, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + order.getEnvironment().getProperty("local.server.port") + path));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
