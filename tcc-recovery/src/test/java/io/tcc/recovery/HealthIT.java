package io.tcc.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;


import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.context.ConfigurableApplicationContext;

import io.tcc.context.TransactionContext;
import io.tcc.global.Coordinator;
import io.tcc.global.GlobalState;
import io.tcc.test.Await;
import io.tcc.test.DatabaseKind;
import io.tcc.test.TestDatabase;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The {@code tccTransactions} health indicator of a Boot service over a real database, read from its actuator endpoint:
 * a transaction stuck past the threshold and a flagged one turn it OUT_OF_SERVICE, naming them; a global log that cannot
 * be read turns it DOWN; each goes back to UP once resolved.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HealthIT {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private final JsonMapper json = JsonMapper.builder().build();
    private final HttpClient http = HttpClient.newHttpClient();

    private TestDatabase db;
    private ConfigurableApplicationContext service;
    private Coordinator coordinator;
    private String baseUrl;

    @BeforeAll
    void start() {
        db = TestDatabase.create(DatabaseKind.MYSQL, "health").applySchema("fence.sql").applySchema("global.sql")
                .applySchema("quartz.sql");
        service = RecoveryService.start(db, context -> { },
                "management.endpoints.web.exposure.include=health",
                "management.endpoint.health.show-details=always",
                "tcc.recovery.health.pending-age-threshold=2s",
                "tcc.recovery-margin=1s",
                "tcc.recovery.instance-id=health-it");
        baseUrl = RecoveryService.baseUrl(service);
        coordinator = service.getBean(Coordinator.class);
        coordinator.participants().add(new AnsweringParticipant());
        coordinator.participants().add(new UnreachableParticipant(http));
    }

    @AfterAll
    void stop() {
        if (service != null) {
            service.close();
        }
        if (db != null) {
            db.close();
        }
    }

    @Test
    @Order(1)
    void aTransactionStuckPastTheThresholdTurnsItOutOfServiceUntilItIsResolved() throws Exception {
        assertThat(tcc().path("status").asString()).as(tcc().toString()).isEqualTo("UP");

        String stuck = OutageLog.diedBeforeDeciding(coordinator, "place-order", "ledger", null);
        Await.until("the stuck transaction to pass its deadline, the margin and the threshold", WAIT,
                () -> "OUT_OF_SERVICE".equals(tcc().path("status").asString()));
        JsonNode health = tcc();
        assertThat(health.path("details").path("reason").asString()).as(health.toString())
                .contains("unfinished for longer than tcc.recovery.health.pending-age-threshold (PT2S)", stuck);
        assertThat(health.path("details").path("pending").path("TRYING").asLong()).isEqualTo(1);
        assertThat(health.path("details").path("oldestPendingAgeSeconds").asLong()).isGreaterThanOrEqualTo(2);
        assertThat(get("/actuator/health").statusCode()).as("the aggregate answers 503").isEqualTo(503);

        service.getBean(Operations.class).resolve(stuck, Operations.Resolution.CANCEL_ALL, "health test");
        assertThat(coordinator.log().find(stuck).orElseThrow().state()).isEqualTo(GlobalState.CANCELLED);
        assertThat(tcc().path("status").asString()).as(tcc().toString()).isEqualTo("UP");
    }

    @Test
    @Order(2)
    void aFlaggedTransactionTurnsItOutOfServiceWhateverItsAge() throws Throwable {
        String flagged = coordinator.execute("place-order", Duration.ofSeconds(30), () -> {
            coordinator.tryBranch("inventory", "reserve-stock", "http://127.0.0.1:" + OutageLog.closedPort(),
                    (key, deadline) -> "reserved");
            return TransactionContext.current().xid();
        });
        Recovery recovery = service.getBean(Recovery.class);
        Await.until("recovery to flag the confirm that cannot reach the inventory", WAIT, () -> {
            recovery.runOnce();
            return coordinator.log().find(flagged).orElseThrow().needsOperator();
        });

        JsonNode health = tcc();
        assertThat(health.path("status").asString()).as(health.toString()).isEqualTo("OUT_OF_SERVICE");
        assertThat(health.path("details").path("flagged").asLong()).isEqualTo(1);
        assertThat(health.path("details").path("reason").asString()).contains("1 transaction(s) flagged for an operator");
    }

    @Test
    @Order(3)
    void aGlobalLogThatCannotBeReadTurnsItDown() throws Exception {
        db.jdbc().execute("RENAME TABLE tcc_global TO tcc_global_away");
        try {
            JsonNode health = tcc();
            assertThat(health.path("status").asString()).as(health.toString()).isEqualTo("DOWN");
            assertThat(health.path("details").path("reason").asString())
                    .startsWith("the global log cannot be read").doesNotContain("SELECT");
        } finally {
            db.jdbc().execute("RENAME TABLE tcc_global_away TO tcc_global");
        }
        assertThat(tcc().path("status").asString()).as("readable again; the flagged one remains")
                .isEqualTo("OUT_OF_SERVICE");
    }

    private JsonNode tcc() throws Exception {
        return json.readTree(get("/actuator/health").body()).path("components").path("tccTransactions");
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(baseUrl + path)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

}
