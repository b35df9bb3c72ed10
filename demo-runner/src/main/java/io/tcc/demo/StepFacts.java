package io.tcc.demo;

import java.time.Duration;
import java.util.Map;

/**
 * What one step of the scenario saw, as numbers and states read from the answers and the databases; the line the demo
 * prints under the step is made from them, and the integration test checks them.
 */
sealed interface StepFacts {

    /** The printed observation. */
    String observation();

    /** @param answers the batch's answers by state; @param wovenBranches how many ran create-order as a CONFIRMED branch */
    record OrdinaryBatch(Map<String, Integer> answers, int wovenBranches) implements StepFacts {
        @Override
        public String observation() {
            return answers + "; " + wovenBranches + " of them ran their order's private, self-invoked @Try as a branch of"
                    + " the transaction (woven by AspectJ: a proxy never sees such a call)";
        }
    }

    /** @param reason the service's reason for the cancel; @param availableAfter, frozenAfter the SKU's stock afterwards */
    record TooLittleStock(String sku, int available, int asked, String state, String reason, int availableAfter,
                          int frozenAfter, String fence) implements StepFacts {
        @Override
        public String observation() {
            return state + " (" + reason + "); " + sku + " still has " + availableAfter + " available; the cancel found no"
                    + " try: fence row " + fence;
        }
    }

    /** @param freeze the order's stock_freeze row's state, null for none */
    record TryRequestLost(String state, String fence, String freeze) implements StepFacts {
        @Override
        public String observation() {
            return "no answer within the 1 s call timeout: outcome unknown, so " + state + "; the try never arrived:"
                    + " fence row " + fence + ", nothing frozen";
        }
    }

    /** @param duplicateConfirms the confirms the inventory's fence counted as duplicates during the step */
    record ConfirmResponseLost(String state, long duplicateConfirms, String fence, String freeze) implements StepFacts {
        @Override
        public String observation() {
            return state + "; the inventory confirmed, its answer was lost, the retried confirm was a duplicate (fence row "
                    + fence + ", nothing ran twice): sold once";
        }
    }

    /** @param suspensionsRefused the tries the inventory's fence refused as SUSPENDED during the step */
    record TryAfterItsCancel(String state, long suspensionsRefused, String fence, String freeze) implements StepFacts {
        @Override
        public String observation() {
            return state + " after the 1 s call timeout; its cancel came first (fence row " + fence + "); the try,"
                    + " delivered 3 s late, was refused: 409 REJECTED SUSPENDED, nothing frozen";
        }
    }

    /** @param unfinished the transactions left unfinished by the kill; @param recovery from the restart to none left */
    record InventoryKilled(long pid, int killedAfter, int orders, Map<String, Integer> answers, int unfinished,
                           Duration recovery) implements StepFacts {
        @Override
        public String observation() {
            return "SIGKILL to pid " + pid + " after " + killedAfter + " answers; the " + orders + " answers: " + answers
                    + "; " + unfinished + " transactions were left unfinished, and recovery finished them "
                    + Scenario.seconds(recovery) + " after the restart";
        }
    }

    /**
     * @param decided the transaction's state when the service was killed; @param frozen its freeze row then
     * @param finalState the transaction's state after recovery; @param sold its freeze row then
     */
    record OrderKilled(long pid, String xid, String decided, String frozen, String finalState, String sold,
                       Duration recovery) implements StepFacts {
        @Override
        public String observation() {
            return "SIGKILL to pid " + pid + " with " + xid + " decided " + decided + " and its stock still " + frozen
                    + "; the restarted service's recovery confirmed it " + Scenario.seconds(recovery)
                    + " after the restart: " + sold + " once";
        }
    }
}
