package io.tcc.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.sun.net.httpserver.HttpServer;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tcc.annotation.Try;
import io.tcc.context.TransactionContext;
import io.tcc.global.GlobalRecord;
import io.tcc.global.GlobalState;
import io.tcc.interception.TccTemplate;
import io.tcc.recovery.Recovery;
import io.tcc.recovery.RecoveryConfig;
import io.tcc.recovery.TccMetrics;
import io.tcc.test.Await;

/**
 * Issue 12, item 9: what an attempt is. A participant that answers every call with a bare HTTP 500 (it may have acted:
 * unknown) is called by a transaction that can then only cancel. With {@code tcc.recovery.max-attempts=3} and
 * {@code phase-two-calls=2}, the server counts exactly 3 × 2 cancel calls: the initiator's own attempt and two of
 * recovery's, two calls each; the log says 3 attempts, and the meters say the same.
 */
class AttemptsAndCallsIT extends TwoServices {

    @RemoteParticipant("audit")
    public interface AuditClient {
        @Try("record-order")
        void record(String what);
    }

    private HttpServer deadParticipant;
    private final Map<String, AtomicInteger> received = new ConcurrentHashMap<>();

    @Override
    String[] moreOrderSettings() {
        return new String[] {"tcc.http.remote.participants.audit.phase-two-calls=2",
                "tcc.http.remote.participants.audit.phase-two-call-backoff=10ms",
                "tcc.http.remote.participants.audit.minimum-calls=100"};
    }

    @BeforeEach
    void startDeadParticipant() throws IOException {
        deadParticipant = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        deadParticipant.createContext("/tcc/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            received.computeIfAbsent(path.substring(path.lastIndexOf('/') + 1), k -> new AtomicInteger()).incrementAndGet();
            byte[] body = "internal error".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(500, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        deadParticipant.start();
    }

    @AfterEach
    void stopDeadParticipant() {
        deadParticipant.stop(0);
    }

    @Test
    void threeAttemptsOfTwoCallsEachAreSixCallsAtTheParticipantInTheLogAndInTheMeters() {
        AuditClient audit = order.getBean(RemoteParticipants.class).create(AuditClient.class,
                "http://127.0.0.1:" + deadParticipant.getAddress().getPort());
        String[] xid = new String[1];
        assertThrows(RemoteBranchException.class, () -> order.getBean(TccTemplate.class).execute("audited",
                Duration.ofSeconds(10), () -> {
                    xid[0] = TransactionContext.current().xid();
                    audit.record("order 1");
                    return null;
                }));
        assertEquals(1, tx(xid[0]).attempts(), "the initiator's own phase two was the first attempt");
        assertEquals(2, received("cancel"), "one attempt: phase-two-calls calls");

        SimpleMeterRegistry recoveryMeters = new SimpleMeterRegistry();
        TccMetrics metrics = new TccMetrics(coordinator().log(), null);
        metrics.bindTo(recoveryMeters);
        Recovery recovery = new Recovery(coordinator().log(), coordinator().phaseTwo(), RecoveryConfig.custom().batchSize(10).lease(Duration.ofSeconds(30)).maxAttempts(3).initialBackoff(Duration.ofMillis(50)).maxBackoff(Duration.ofMillis(100)).workers(1).build(), metrics);
        Await.until("recovery to flag the transaction after its attempts", Duration.ofSeconds(20), () -> {
            recovery.runOnce();
            return tx(xid[0]).needsOperator();
        });

        GlobalRecord flagged = tx(xid[0]);
        assertEquals(GlobalState.CANCELLING, flagged.state(), "nothing is guessed: it keeps its state");
        assertEquals(3, flagged.attempts(), "max-attempts=3");
        assertEquals(1, received("try"));
        assertEquals(6, received("cancel"), "3 attempts x 2 calls, counted by the participant's server");
        MeterRegistry meters = order.getBean(MeterRegistry.class);
        assertEquals(6.0, meters.get("tcc.http.calls").tags("participant", "audit", "phase", "cancel", "outcome", "UNKNOWN")
                .counter().count());
        assertEquals(1.0, meters.get("tcc.http.calls").tags("participant", "audit", "phase", "try").counter().count());
        assertEquals(1.0, recoveryMeters.get("tcc.recovery.attempts").tag("result", "POSTPONED").counter().count());
        assertEquals(1.0, recoveryMeters.get("tcc.recovery.attempts").tag("result", "FLAGGED").counter().count(),
                "recovery's two attempts; the initiator's was the first of the three");
        ParticipantGuards.State shown = order.getBean(ParticipantGuards.class).states().stream()
                .filter(s -> s.participant().equals("audit")).findFirst().orElseThrow();
        assertEquals(6L, shown.calls().get("cancel UNKNOWN"), "what the admin page shows: " + shown);
        assertTrue(flagged.nextAttempt() == null, "no further attempt until an operator acts");
    }

    private GlobalRecord tx(String xid) {
        return coordinator().log().find(xid).orElseThrow();
    }

    private int received(String phase) {
        AtomicInteger count = received.get(phase);
        return count == null ? 0 : count.get();
    }
}
