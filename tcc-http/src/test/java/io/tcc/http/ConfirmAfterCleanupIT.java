package io.tcc.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.tcc.context.TransactionContext;
import io.tcc.fence.Fence;
import io.tcc.fence.FenceCounters;
import io.tcc.fence.FencePhase;
import io.tcc.fence.FenceState;
import io.tcc.global.GlobalState;
import io.tcc.interception.TccTemplate;
import io.tcc.http.FaultInjector.Kind;
import io.tcc.http.FaultInjector.Rule;
import io.tcc.test.Await;

/**
 * A confirm took effect at the participant but its answer was lost; the participant's cleanup then removed the finished
 * row before the initiator's retry arrived. The retry must be answered as finished, never as "never tried here", so
 * the transaction cannot be stuck because cleanup ran.
 */
class ConfirmAfterCleanupIT extends TwoServices {

    /** The inventory's fence keeps rows at least 2 s + 2 x 1 s: a retention of 4 s is the minimum its cleanup accepts. */
    private static final Duration MINIMUM_RETENTION = Duration.ofSeconds(4);

    @Override
    String[] moreInventorySettings() {
        return new String[] {"tcc.max-timeout=2s", "tcc.fence.clock-skew-margin=1s"};
    }

    @Test
    void confirmRetriedAfterCleanupRemovedItsRowFinishesTheTransactionOnce() throws Throwable {
        FaultInjector faults = order.getBean(FaultInjector.class);
        faults.clear();
        OrderApp.InventoryClient inventoryClient = order.getBean(OrderApp.InventoryClient.class);
        TccTemplate tcc = order.getBean(TccTemplate.class);
        String[] xid = new String[1];
        // the 500 ms call timeout is for warm services: a cold first call may time out, and is then simply cancelled
        Await.until("a first order through warm services", Duration.ofSeconds(60), () -> {
            try {
                tcc.execute("warm-up", Duration.ofSeconds(2), () -> inventoryClient.reserve(sku, 0));
                return true;
            } catch (RemoteBranchException coldTimeout) {
                return false;
            }
        });
        faults.add(Rule.times("inventory", "reserve-stock", FencePhase.CONFIRM, Kind.RESPONSE_LOST, 3));

        tcc.execute("confirm-after-cleanup", Duration.ofSeconds(2), () -> {
            xid[0] = TransactionContext.current().xid();
            return inventoryClient.reserve(sku, 1);
        });

        assertEquals(GlobalState.CONFIRMING, coordinator().log().find(xid[0]).orElseThrow().state(), "its confirm's answer was lost");
        assertEquals(FenceState.CONFIRMED, participantFence(xid[0]).state(), "yet the confirm took effect");
        Fence fence = inventory.getBean(Fence.class);
        Await.until("the participant's cleanup to remove the confirmed row", Duration.ofSeconds(30), () -> {
            fence.deleteFinished(MINIMUM_RETENTION, 100);
            return participantFence(xid[0]) == null;
        });
        long repeatsBefore = inventory.getBean(FenceCounters.class).cleanedUpRepeats();

        assertEquals(GlobalState.CONFIRMED, coordinator().phaseTwo().resume(xid[0]).orElseThrow(), "what recovery does");

        assertEquals(repeatsBefore + 1, inventory.getBean(FenceCounters.class).cleanedUpRepeats());
        assertNull(participantFence(xid[0]), "the repeat recorded nothing");
        assertArrayEquals(new int[] {9, 0, 1}, stock(sku), "sold exactly once");
    }
}
