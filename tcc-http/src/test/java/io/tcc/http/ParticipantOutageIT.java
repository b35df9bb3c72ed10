package io.tcc.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.tcc.fence.FencePhase;
import io.tcc.global.BranchState;
import io.tcc.global.GlobalRecord;
import io.tcc.global.GlobalState;
import io.tcc.http.FaultInjector.Kind;
import io.tcc.http.FaultInjector.Rule;
import io.tcc.recovery.Recovery;
import io.tcc.recovery.RecoveryConfig;
import io.tcc.recovery.RecoveryListener;
import io.tcc.test.Await;

/**
 * A participant down for a while, then back: recovery's attempts back off while its server is stopped, nothing
 * definite changes meanwhile, and once it is back the transaction finishes exactly once.
 */
class ParticipantOutageIT extends TwoServices {

    @Test
    void whileTheParticipantIsDownRetriesBackOffAndNothingIsDecidedForItThenTheyFinish() throws Exception {
        // the confirm's answer is lost on every attempt the initiator makes, so the confirm is left to recovery
        order.getBean(FaultInjector.class).add(Rule.times("inventory", "reserve-stock", FencePhase.CONFIRM, Kind.REQUEST_LOST, 3));
        orders().place(sku, 2);
        String xid = orders().lastXid();
        assertEquals(GlobalState.CONFIRMING, coordinator().log().find(xid).orElseThrow().state());

        inventory.close(); // the participant's server stops
        Recovery recovery = new Recovery(coordinator().log(), coordinator().phaseTwo(), RecoveryConfig.custom().batchSize(10).lease(Duration.ofSeconds(30)).maxAttempts(50).initialBackoff(Duration.ofMillis(100)).maxBackoff(Duration.ofSeconds(2)).workers(1).build(), RecoveryListener.NONE);
        List<Long> waits = new ArrayList<>();
        for (int pass = 0; pass < 4; pass++) {
            awaitDue(xid);
            recovery.runOnce();
            GlobalRecord tx = coordinator().log().find(xid).orElseThrow();
            assertEquals(GlobalState.CONFIRMING, tx.state(), "nothing definite changes while the participant is down");
            assertEquals(BranchState.REGISTERED, coordinator().log().branches(xid).get(0).state());
            waits.add(tx.nextAttempt().toEpochMilli() - tx.updatedAt().toEpochMilli());
        }
        assertTrue(coordinator().log().branches(xid).get(0).lastOutcome().contains("never sent"),
                coordinator().log().branches(xid).get(0).lastOutcome());
        assertTrue(waits.get(3) > waits.get(0), "the waits between attempts grow: " + waits);

        restartInventory(); // back, on the same port and database
        Await.until(xid + " finished by recovery", Duration.ofSeconds(30), () -> {
            if (coordinator().log().findDue(100).contains(xid)) {
                recovery.runOnce();
            }
            return coordinator().log().find(xid).orElseThrow().state().isFinished();
        });

        assertEquals(GlobalState.CONFIRMED, coordinator().log().find(xid).orElseThrow().state());
        assertArrayEquals(new int[] {8, 0, 2}, stock(sku), "sold once, nothing frozen");
    }

    /** Waits, by the log's own clock, until recovery would find {@code xid} due. */
    private void awaitDue(String xid) {
        Await.until(xid + " due again", Duration.ofSeconds(10), () -> coordinator().log().findDue(100).contains(xid));
    }
}
