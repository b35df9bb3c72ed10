package io.tcc.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.tcc.fence.FencePhase;
import io.tcc.global.GlobalState;

/**
 * The request path's timers in two Boot services with Actuator, over real signed HTTP, without tcc-recovery running:
 * the initiator's {@code tcc.transaction} and {@code tcc.branch}, the participant's {@code tcc.participant} (inside its
 * HTTP server observation), and resilience4j's retry and circuit-breaker meters for the participant called.
 */
class RequestPathMetricsIT extends TwoServices {

    /** Observations each service stopped, for the nesting and the xid a timer does not show. */
    private final List<Observation.Context> atOrder = new CopyOnWriteArrayList<>();
    private final List<Observation.Context> atInventory = new CopyOnWriteArrayList<>();

    /** A loaded machine may take longer than the fixture's 500 ms to answer: a timed-out call would change the counts. */
    @Override
    String[] moreOrderSettings() {
        return new String[] {"tcc.http.remote.participants.inventory.call-timeout=3s"};
    }

    @BeforeAll
    void recordObservations() {
        record(order, atOrder);
        record(inventory, atInventory);
    }

    private static void record(ConfigurableApplicationContext service, List<Observation.Context> stopped) {
        service.getBean(ObservationRegistry.class).observationConfig().observationHandler(new ObservationHandler<>() {
            @Override
            public boolean supportsContext(Observation.Context context) {
                return true;
            }

            @Override
            public void onStop(Observation.Context context) {
                stopped.add(context);
            }
        });
    }

    @AfterEach
    void clearFaults() {
        order.getBean(FaultInjector.class).clear();
    }

    @Test
    void aConfirmedOrderIsTimedAtTheInitiatorPerBranchAndPhaseAndAtTheParticipantInsideItsServerRequest() {
        long transactions = timed(order, "tcc.transaction", "transaction", "Orders.placeWithLocalBranch",
                "outcome", "CONFIRMED", "phase.two", "SYNC");
        long remoteTries = timed(order, "tcc.branch", "participant", "inventory", "action", "reserve-stock", "phase", "try",
                "outcome", "SUCCESS", "driver", "caller");
        long remoteConfirms = timed(order, "tcc.branch", "participant", "inventory", "phase", "confirm", "outcome", "SUCCESS");
        long localConfirms = timed(order, "tcc.branch", "participant", "local", "action", "hold-local-stock",
                "phase", "confirm", "outcome", "SUCCESS");
        long fencedTries = timed(inventory, "tcc.participant", "action", "reserve-stock", "phase", "try", "result", "EXECUTED");
        long fencedConfirms = timed(inventory, "tcc.participant", "phase", "confirm", "result", "EXECUTED");

        orders().placeWithLocalBranch(sku, 2);
        String xid = orders().lastXid();

        assertEquals(transactions + 1, timed(order, "tcc.transaction", "transaction", "Orders.placeWithLocalBranch",
                "outcome", "CONFIRMED", "phase.two", "SYNC"));
        assertEquals(remoteTries + 1, timed(order, "tcc.branch", "participant", "inventory", "action", "reserve-stock",
                "phase", "try", "outcome", "SUCCESS", "driver", "caller"));
        assertEquals(remoteConfirms + 1, timed(order, "tcc.branch", "participant", "inventory", "phase", "confirm",
                "outcome", "SUCCESS"));
        assertEquals(localConfirms + 1, timed(order, "tcc.branch", "participant", "local", "action", "hold-local-stock",
                "phase", "confirm", "outcome", "SUCCESS"));
        assertEquals(4, ofXid(atOrder, "tcc.branch").size(), "one per branch and phase");
        assertEquals(fencedTries + 1, timed(inventory, "tcc.participant", "action", "reserve-stock", "phase", "try",
                "result", "EXECUTED"));
        assertEquals(fencedConfirms + 1, timed(inventory, "tcc.participant", "phase", "confirm", "result", "EXECUTED"));
        // the participant's fenced calls are children of its server requests, carrying the xid
        for (String phase : new String[] {"try", "confirm"}) {
            Observation.Context fenced = only(ofXid(atInventory, "tcc.participant", "phase", phase, "result", "EXECUTED"));
            assertEquals("http.server.requests", fenced.getParentObservation().getContextView().getName());
        }
    }

    @Test
    void aCancelledOrderIsTimedAsCancelledWithItsCancels() {
        long cancelled = timed(order, "tcc.transaction", "transaction", "Orders.placeThenFail", "outcome", "CANCELLED",
                "error", "IllegalStateException");
        long cancels = timed(inventory, "tcc.participant", "phase", "cancel", "result", "EXECUTED");

        assertThrows(IllegalStateException.class, () -> orders().placeThenFail(sku, 2));

        assertEquals(cancelled + 1, timed(order, "tcc.transaction", "transaction", "Orders.placeThenFail",
                "outcome", "CANCELLED", "error", "IllegalStateException"));
        assertEquals("SUCCESS", tag(only(ofXid(atOrder, "tcc.branch", "phase", "cancel")), "outcome"));
        assertEquals(cancels + 1, timed(inventory, "tcc.participant", "phase", "cancel", "result", "EXECUTED"));
    }

    @Test
    void aLostTryIsUnknownAndTheParticipantRecordsItsCancelAsAnEmptyOne() {
        order.getBean(FaultInjector.class).add(FaultInjector.Rule.times("inventory", "reserve-stock", FencePhase.TRY,
                FaultInjector.Kind.REQUEST_LOST, 1));
        long emptyCancels = timed(inventory, "tcc.participant", "action", "reserve-stock", "phase", "cancel",
                "result", "EMPTY_CANCEL");

        RemoteBranchException lost = assertThrows(RemoteBranchException.class, () -> orders().place(sku, 2));

        assertEquals(Outcome.UNKNOWN, lost.result().outcome());
        String xid = orders().lastXid();
        assertEquals("UNKNOWN", tag(only(ofXid(atOrder, "tcc.branch", "phase", "try")), "outcome"));
        assertEquals("SUCCESS", tag(only(ofXid(atOrder, "tcc.branch", "phase", "cancel")), "outcome"));
        assertEquals("CANCELLED", tag(only(ofXid(atOrder, "tcc.transaction")), "outcome"));
        assertEquals(emptyCancels + 1, timed(inventory, "tcc.participant", "action", "reserve-stock", "phase", "cancel",
                "result", "EMPTY_CANCEL"));
        assertEquals(xid, only(ofXid(atInventory, "tcc.participant")).getHighCardinalityKeyValue("tcc.xid").getValue());
    }

    @Test
    void confirmsWhoseAnswersAreLostLeaveTheOutcomeUnknownRetriedAndCountedByResilience4j() {
        // every call of the initiator's one phase-two attempt reaches the participant, and every answer is lost
        order.getBean(FaultInjector.class).add(FaultInjector.Rule.times("inventory", "reserve-stock", FencePhase.CONFIRM,
                FaultInjector.Kind.RESPONSE_LOST, 3));
        double failedWithRetry = retryCalls("failed_with_retry");
        long duplicates = timed(inventory, "tcc.participant", "phase", "confirm", "result", "DUPLICATE");

        orders().place(sku, 2);
        String xid = orders().lastXid();

        Observation.Context transaction = only(ofXid(atOrder, "tcc.transaction"));
        assertEquals("UNKNOWN", tag(transaction, "outcome"), "decided CONFIRM, but phase two did not finish here");
        assertEquals("UNKNOWN", tag(only(ofXid(atOrder, "tcc.branch", "phase", "confirm")), "outcome"));
        assertEquals(failedWithRetry + 1, retryCalls("failed_with_retry"), "resilience4j.retry.calls{kind=failed_with_retry}");
        assertEquals(duplicates + 2, timed(inventory, "tcc.participant", "phase", "confirm", "result", "DUPLICATE"));

        // recovery's drive, here called as its job calls it: a call of its own, found by the xid
        assertEquals(GlobalState.CONFIRMED, coordinator().phaseTwo().resume(xid).orElseThrow());
        Observation.Context recovered = only(ofXid(atOrder, "tcc.branch", "phase", "confirm", "driver", "recovery"));
        assertEquals("SUCCESS", tag(recovered, "outcome"));
        assertTrue(recovered.getParentObservation() == null, "recovery's calls are not children of the transaction");

        MeterRegistry meters = order.getBean(MeterRegistry.class);
        assertTrue(meters.find("resilience4j.circuitbreaker.calls").tag("name", "inventory").meters().size() > 0,
                "the breaker's meters, under resilience4j's names");
        assertTrue(meters.find("resilience4j.retry.calls").tag("name", "inventory").meters().size() > 0);
    }

    private double retryCalls(String kind) {
        io.micrometer.core.instrument.FunctionCounter counter = order.getBean(MeterRegistry.class)
                .find("resilience4j.retry.calls").tags("name", "inventory", "kind", kind).functionCounter();
        return counter == null ? 0 : counter.count();
    }

    /** How many observations of {@code name} with these tags a service's meter registry has timed. */
    private static long timed(ConfigurableApplicationContext service, String name, String... tags) {
        return service.getBean(MeterRegistry.class).find(name).tags(tags).timers().stream().mapToLong(Timer::count).sum();
    }

    /** The stopped observations of {@code name} for the order's last xid, with these low-cardinality tags. */
    private List<Observation.Context> ofXid(List<Observation.Context> stopped, String name, String... tags) {
        String xid = orders().lastXid();
        return stopped.stream().filter(c -> name.equals(c.getName()))
                .filter(c -> c.getHighCardinalityKeyValue("tcc.xid") != null
                        && xid.equals(c.getHighCardinalityKeyValue("tcc.xid").getValue()))
                .filter(c -> {
                    for (int i = 0; i < tags.length; i += 2) {
                        if (!tags[i + 1].equals(tag(c, tags[i]))) {
                            return false;
                        }
                    }
                    return true;
                }).toList();
    }

    private static Observation.Context only(List<Observation.Context> found) {
        assertEquals(1, found.size(), () -> found.toString());
        return found.get(0);
    }

    private static String tag(Observation.Context context, String key) {
        return context.getLowCardinalityKeyValue(key) == null ? null : context.getLowCardinalityKeyValue(key).getValue();
    }
}
