package io.tcc.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tcc.global.GlobalState;

/** Nobody fills a participant's log: refused calls are counted and logged once an interval, repeated failures briefly. */
class LogFloodIT extends TwoServices {

    private final ListAppender<ILoggingEvent> logged = new ListAppender<>();

    @BeforeEach
    void captureLogs() {
        logged.start();
        for (Class<?> source : List.of(BranchCallGate.class, ParticipantEndpoint.class)) {
            ((Logger) LoggerFactory.getLogger(source)).addAppender(logged);
        }
    }

    @AfterEach
    void releaseLogs() {
        for (Class<?> source : List.of(BranchCallGate.class, ParticipantEndpoint.class)) {
            ((Logger) LoggerFactory.getLogger(source)).detachAppender(logged);
        }
    }

    @Test
    void unsignedCallsAreCountedInAMetricAndLoggedOncePerInterval() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        inventory.getBean("tccBranchCallGateMetrics", MeterBinder.class).bindTo(registry);
        double before = registry.get("tcc.http.unauthenticated.calls").functionCounter().count();

        for (int i = 0; i < 50; i++) {
            HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create(inventoryUrl + "/tcc/reserve-stock/try"))
                    .header("Content-Type", "application/json").header(TccHeaders.XID, "flood-" + i)
                    .POST(HttpRequest.BodyPublishers.ofString("[\"" + sku + "\", 1]")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(401, answer.statusCode(), answer.body());
        }

        assertEquals(50, registry.get("tcc.http.unauthenticated.calls").functionCounter().count() - before);
        long lines = logged.list.stream().filter(e -> e.getLoggerName().equals(BranchCallGate.class.getName())).count();
        assertTrue(lines <= 1, "at most one line in the interval (60 s) for 50 refused calls, not " + lines);
    }

    @Test
    void aConfirmFailingOnEveryRetryLogsItsStackTraceOnceThenALineEach() {
        String unsellable = "unsellable-" + sku;
        inventoryDb.jdbc().update("INSERT INTO stock (sku, available, frozen, sold) VALUES (?, 10, 0, 0)", unsellable);

        orders().place(unsellable, 1);
        String xid = orders().lastXid();
        assertEquals(GlobalState.CONFIRMING, coordinator().log().find(xid).orElseThrow().state(), "the confirm keeps failing");

        List<ILoggingEvent> failures = logged.list.stream()
                .filter(e -> e.getLoggerName().equals(ParticipantEndpoint.class.getName()))
                .filter(e -> e.getFormattedMessage().contains(xid)).toList();
        assertTrue(failures.size() >= 2, "every call the initiator made failed: " + failures.size());
        assertEquals(Level.ERROR, failures.get(0).getLevel());
        assertTrue(failures.get(0).getThrowableProxy() != null, "the first failure has its stack trace");
        for (ILoggingEvent repeat : failures.subList(1, failures.size())) {
            assertEquals(Level.WARN, repeat.getLevel(), repeat.getFormattedMessage());
            assertNull(repeat.getThrowableProxy(), "a repeat is one line: " + repeat.getFormattedMessage());
            assertTrue(repeat.getFormattedMessage().contains("cannot sell"), "it names its cause: " + repeat.getFormattedMessage());
        }
    }
}
