package io.tcc.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.tcc.fence.FenceCounters;
import io.tcc.fence.FencePhase;
import io.tcc.fence.FenceRecord;
import io.tcc.fence.FenceState;
import io.tcc.global.GlobalState;
import io.tcc.http.FaultInjector.Kind;
import io.tcc.http.FaultInjector.Rule;
import io.tcc.test.Await;

/**
 * Every fault kind on every phase of the remote branch: the outcome is classified right, the decision is right, and
 * once phase two is driven again the participant's stock is right and nothing stays frozen.
 */
class FaultMatrixIT extends TwoServices {

    /** Phase two retries this often before leaving a branch to recovery; faulting every attempt leaves it pending. */
    private static final int PHASE_TWO_ATTEMPTS = 3;
    /** Well past the 500 ms call timeout, so the cancel lands first even on a loaded machine. */
    private static final long DELAY_MILLIS = 2000;

    private FaultInjector faults;

    @BeforeEach
    void noFaults() {
        faults = order.getBean(FaultInjector.class);
        faults.clear();
    }

    @Test
    void qaArmsAFaultOverTheAuthenticatedAdminEndpointOfTheRunningService() throws Exception {
        String admin = "http://127.0.0.1:" + order.getEnvironment().getProperty("local.server.port") + FaultAdminEndpoint.PATH;
        String rule = "{\"participant\":\"inventory\",\"action\":\"reserve-stock\",\"phase\":\"TRY\","
                + "\"kind\":\"RESPONSE_LOST\",\"times\":1,\"probability\":1.0,\"delayMillis\":0}";
        HttpRequest.Builder arm = HttpRequest.newBuilder(URI.create(admin)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(rule));

        assertEquals(401, http.send(arm.build(), HttpResponse.BodyHandlers.ofString()).statusCode(), "no token");
        assertEquals(401, http.send(arm.header("Authorization", "Bearer wrong-token-of-some-length").build(),
                HttpResponse.BodyHandlers.ofString()).statusCode());
        assertTrue(faults.rules().isEmpty());

        HttpResponse<String> armed = http.send(HttpRequest.newBuilder(URI.create(admin)).header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + OrderApp.ADMIN_TOKEN).POST(HttpRequest.BodyPublishers.ofString(rule)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(201, armed.statusCode(), armed.body());
        assertEquals(1, faults.rules().size());

        RemoteBranchException e = assertThrows(RemoteBranchException.class, () -> orders().place(sku, 1));
        assertTrue(e.result().detail().contains("RESPONSE_LOST"), e.result().detail());
        assertArrayEquals(new int[] {10, 0, 0}, stock(sku), "the executed try was cancelled");
    }

    @Test
    void aDisabledInjectorRefusesRulesFromTheApiAndTheEndpoint() {
        FaultInjector production = FaultInjector.disabled();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> production.add(Rule.times(null, null, null, Kind.ERROR, 1)));
        assertTrue(e.getMessage().contains("disabled"), e.getMessage());
    }

    static Stream<Arguments> faults() {
        List<Arguments> cases = new ArrayList<>();
        for (FencePhase phase : FencePhase.values()) {
            for (Kind kind : Kind.values()) {
                cases.add(Arguments.of(phase, kind));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{1} on {0}")
    @MethodSource("faults")
    void everyFaultOnEveryPhaseEndsInTheRightStateWithNothingFrozen(FencePhase phase, Kind kind) throws Exception {
        int times = phase == FencePhase.TRY ? 1 : PHASE_TWO_ATTEMPTS;
        faults.add(kind == Kind.DELAYED
                ? Rule.delayed("inventory", "reserve-stock", phase, DELAY_MILLIS, times)
                : Rule.times("inventory", "reserve-stock", phase, kind, times));
        long suspensionsBefore = inventory.getBean(FenceCounters.class).suspensionsRefused();

        Throwable thrown = null;
        try {
            if (phase == FencePhase.CANCEL) {
                orders().placeThenFail(sku, 2);
            } else {
                orders().place(sku, 2);
            }
        } catch (RuntimeException e) {
            thrown = e;
        }
        String xid = orders().lastXid();
        GlobalState afterCall = coordinator().log().find(xid).orElseThrow().state();

        switch (phase) {
            case TRY -> {
                RemoteBranchException e = assertInstanceOf(RemoteBranchException.class, thrown);
                assertEquals(Outcome.UNKNOWN, e.result().outcome(), "a lost or late answer is never taken as a no");
                assertTrue(afterCall == GlobalState.CANCELLED || afterCall == GlobalState.CANCELLING, afterCall.name());
            }
            case CONFIRM -> {
                assertNull(thrown, "the decision was confirm: the caller gets its result");
                assertEquals(GlobalState.CONFIRMING, afterCall, "every attempt faulted: the confirm waits for recovery");
            }
            case CANCEL -> {
                assertEquals("payment declined", assertInstanceOf(IllegalStateException.class, thrown).getMessage());
                assertEquals(GlobalState.CANCELLING, afterCall, "every attempt faulted: the cancel waits for recovery");
            }
        }

        if (kind == Kind.DELAYED) {
            String path = phase.name().toLowerCase(java.util.Locale.ROOT);
            InventoryApp.BranchCalls calls = inventory.getBean(InventoryApp.BranchCalls.class);
            Await.until("the " + times + " late " + path + " requests handled by the participant",
                    Duration.ofSeconds(10), () -> calls.answered(xid, path) >= times);
        }
        GlobalState finished = coordinator().phaseTwo().resume(xid).orElseThrow(); // what recovery will do
        boolean confirmed = phase == FencePhase.CONFIRM;
        assertEquals(confirmed ? GlobalState.CONFIRMED : GlobalState.CANCELLED, finished);
        assertArrayEquals(confirmed ? new int[] {8, 0, 2} : new int[] {10, 0, 0}, stock(sku), "nothing frozen");

        FenceRecord fence = participantFence(xid);
        assertEquals(confirmed ? FenceState.CONFIRMED : FenceState.CANCELLED, fence.state());
        if (phase == FencePhase.TRY) {
            // the participant ran the try only if it received it before its cancel
            assertEquals(kind != Kind.RESPONSE_LOST, fence.emptyCancel(), "empty cancel unless the try was executed");
            if (kind == Kind.DELAYED) {
                assertEquals(suspensionsBefore + 1, inventory.getBean(FenceCounters.class).suspensionsRefused(),
                        "the try delivered after its cancel was refused on the participant");
            }
        }
        assertTrue(faults.rules().isEmpty(), "every armed fault fired");
    }
}
