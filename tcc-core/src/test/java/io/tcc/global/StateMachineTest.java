package io.tcc.global;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class StateMachineTest {

    @Test
    void decisionLeavesTryingOnlyForConfirmingOrCancellingAndIsNeverReversed() {
        assertTrue(GlobalState.TRYING.canMoveTo(GlobalState.CONFIRMING));
        assertTrue(GlobalState.TRYING.canMoveTo(GlobalState.CANCELLING));
        assertFalse(GlobalState.CONFIRMING.canMoveTo(GlobalState.CANCELLING), "a failed confirm stays a confirm");
        assertFalse(GlobalState.CANCELLING.canMoveTo(GlobalState.CONFIRMING));
        assertFalse(GlobalState.TRYING.canMoveTo(GlobalState.CONFIRMED), "phase two never starts undecided");
        assertTrue(GlobalState.CONFIRMING.canMoveTo(GlobalState.CONFIRMED));
        for (GlobalState finished : new GlobalState[] {GlobalState.CONFIRMED, GlobalState.CANCELLED}) {
            for (GlobalState any : GlobalState.values()) {
                assertFalse(finished.canMoveTo(any), finished + " -> " + any);
            }
        }
    }

    @Test
    void illegalTransitionNamesFromAndTo() {
        IllegalTransitionException e = assertThrows(IllegalTransitionException.class,
                () -> GlobalState.CONFIRMING.requireMoveTo(GlobalState.CANCELLING));
        assertSame(GlobalState.CONFIRMING, e.from());
        assertSame(GlobalState.CANCELLING, e.to());
        assertTrue(e.getMessage().contains("CONFIRMING -> CANCELLING"), e.getMessage());
        assertThrows(IllegalTransitionException.class, () -> BranchState.CONFIRMED.requireMoveTo(BranchState.CANCELLED));
    }

    @Test
    void branchesFollowTheDecision() {
        assertEquals(BranchState.CONFIRMED, BranchState.after(GlobalState.CONFIRMING));
        assertEquals(BranchState.CANCELLED, BranchState.after(GlobalState.CANCELLING));
        assertEquals(BranchState.CONFIRMED, BranchState.REGISTERED.requireMoveTo(BranchState.CONFIRMED));
    }
}
