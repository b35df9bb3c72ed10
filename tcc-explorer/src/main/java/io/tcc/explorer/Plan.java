package io.tcc.explorer;

import java.util.List;
import java.util.stream.Collectors;

import io.tcc.global.CrashPoints;
import io.tcc.http.FaultInjector;

/** What one global transaction will meet, decided up front from the seed; its {@link #toString()} is the plan line. */
record Plan(int index, long timeoutMs, List<Branch> branches, boolean propagateTryFailure, boolean throwAfterTries,
            CrashPoints.Point crash, int crashOccurrence, Race race, long raceDelayMs, long clockStepMs) {

    /** Where a branch runs. */
    enum Kind {
        /** The initiator's own participant on the log's DataSource: registration and decision share its commits. */
        SHARED,
        /** A participant in the initiator's process on a DataSource of its own. */
        OWN,
        /** A participant in another Spring context, over real HTTP. */
        REMOTE
    }

    /** A business method's planned failure; each fires once per branch and phase, so a retry gets through. */
    enum Fault {
        NONE,
        /** Throws after doing its work. */
        THROW,
        /** Catches an SQL error of its own (a duplicate key) and carries on. */
        SWALLOW_SQL,
        /** Waits on a row another connection holds, past the lock timeout. */
        LOCK_WAIT,
        /** Sleeps past the transaction's deadline (a try then succeeds late; confirm and cancel then throw). */
        PAST_DEADLINE
    }

    /** Someone else acting on the transaction while its initiator runs it. */
    enum Race { NONE, RECOVERY_REDRIVE, OPERATOR_RETRY_NOW, OPERATOR_CANCEL }

    /**
     * @param wire         for a REMOTE branch, the network fault on each phase (index 0 try, 1 confirm, 2 cancel), or null
     * @param callerTx     for an OWN branch, the try runs inside the caller's transaction on that DataSource
     * @param duplicateTry for an OWN branch, the try is sent twice
     * @param cancelFirst  for an OWN branch, a cancel reaches the fence before the try (a try delivered late)
     * @param note         a free-text try argument, sometimes with NUL or non-ASCII characters
     */
    record Branch(Kind kind, int sku, int quantity, Fault tryFault, Fault confirmFault, Fault cancelFault,
                  FaultInjector.Kind[] wire, long wireDelayMs, boolean callerTx, boolean duplicateTry,
                  boolean cancelFirst, String note) {

        /** The business faults as the try's argument carries them to every phase. */
        String faults() {
            return tryFault + "/" + confirmFault + "/" + cancelFault;
        }

        @Override
        public String toString() {
            StringBuilder line = new StringBuilder(kind.name().toLowerCase()).append("(sku-").append(sku).append(" x")
                    .append(quantity);
            if (tryFault != Fault.NONE || confirmFault != Fault.NONE || cancelFault != Fault.NONE) {
                line.append(" faults ").append(faults());
            }
            if (wire != null) {
                line.append(" wire ").append(wire[0]).append("/").append(wire[1]).append("/").append(wire[2]);
                if (wireDelayMs > 0) {
                    line.append(" delay ").append(wireDelayMs).append("ms");
                }
            }
            line.append(callerTx ? " in-caller-tx" : "").append(duplicateTry ? " duplicate-try" : "")
                    .append(cancelFirst ? " cancel-first" : "");
            if (note.indexOf('\0') >= 0) {
                line.append(" note-with-NUL");
            }
            return line.append(")").toString();
        }
    }

    @Override
    public String toString() {
        return "#" + index + " timeout " + timeoutMs + "ms ["
                + branches.stream().map(Branch::toString).collect(Collectors.joining(", ")) + "]"
                + (propagateTryFailure ? "" : " body-swallows-try-failure")
                + (throwAfterTries ? " body-throws" : "")
                + (crash == null ? "" : " crash " + crash + "#" + crashOccurrence)
                + (race == Race.NONE ? "" : " " + race + "@" + raceDelayMs + "ms")
                + (clockStepMs == 0 ? "" : " clock " + (clockStepMs > 0 ? "+" : "") + clockStepMs + "ms");
    }
}
