package io.tcc.global;

/**
 * Named points in the initiator's work where QA can simulate the process dying: the coordinator calls
 * {@link #reached} and lets a {@link SimulatedCrash} through untouched, leaving the log exactly as a crash would.
 * Off unless a test installs one.
 */
@FunctionalInterface
public interface CrashPoints {

    CrashPoints NONE = (point, xid) -> {
    };

    enum Point {
        /** The branch row is committed; its try has not been sent (a remote or separately stored participant). */
        AFTER_BRANCH_REGISTERED,
        /** Every try answered; nothing is decided yet. */
        BEFORE_DECISION,
        /** The decision is committed; phase two has not started. */
        AFTER_DECISION,
        /** Phase two finished one branch and not the others. */
        AFTER_FIRST_PHASE_TWO
    }

    /** @throws SimulatedCrash to stop the initiator at this point */
    void reached(Point point, String xid);

    /** Thrown by a crash point; the coordinator does not catch it, so nothing after the point happens. */
    final class SimulatedCrash extends Error {
        public SimulatedCrash(Point point, String xid) {
            super("simulated crash at " + point + " of xid=" + xid, null, false, false);
        }
    }
}
