package io.tcc.global;

import io.micrometer.observation.Observation;
import io.tcc.annotation.PhaseTwoMode;

/**
 * What the {@code tcc.transaction} observation sees of one global transaction, from its start on the initiator until
 * its phase two is done here (with asynchronous phase two, after its caller was answered) or left to recovery.
 */
public class TransactionObservationContext extends Observation.Context {

    private final String xid;
    private final String transactionName;
    private final PhaseTwoMode mode;
    private volatile GlobalState state;

    public TransactionObservationContext(String xid, String transactionName, PhaseTwoMode mode) {
        this.xid = xid;
        this.transactionName = transactionName;
        this.mode = mode;
    }

    public String xid() {
        return xid;
    }

    /** The name the transaction was started with ({@code @GlobalTransaction}'s, else Class.method), or null. */
    public String transactionName() {
        return transactionName;
    }

    /** How its phase two ran: before the caller was answered, or on the initiator's pool. */
    public PhaseTwoMode mode() {
        return mode;
    }

    /**
     * Its state when the observation stopped: CONFIRMED or CANCELLED once phase two finished, the decision while phase
     * two is left to recovery; null while it runs, and when no decision is known (the log could not be written).
     */
    public GlobalState state() {
        return state;
    }

    void state(GlobalState state) {
        this.state = state;
    }
}
