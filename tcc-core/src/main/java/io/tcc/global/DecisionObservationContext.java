package io.tcc.global;

import io.micrometer.observation.Observation;

/**
 * What the {@code tcc.decision} observation sees of one decision: the compare-and-set from TRYING in the initiator's
 * log (with the local branches' phase two when they share its commit), by the transaction's initiator or by recovery.
 * The failure, if any, is {@link #getError()}.
 */
public class DecisionObservationContext extends Observation.Context {

    private final String xid;
    private final GlobalState wanted;
    private final BranchObservationContext.Driver driver;
    private volatile GlobalState decided;

    public DecisionObservationContext(String xid, GlobalState wanted, BranchObservationContext.Driver driver) {
        this.xid = xid;
        this.wanted = wanted;
        this.driver = driver;
    }

    public String xid() {
        return xid;
    }

    /** What this party decided: CONFIRMING or CANCELLING. */
    public GlobalState wanted() {
        return wanted;
    }

    /** The initiator deciding ({@code CALLER}), or recovery or an operator cancelling ({@code RECOVERY}). */
    public BranchObservationContext.Driver driver() {
        return driver;
    }

    /**
     * What the log holds afterwards: {@link #wanted()}, or the other decision when another party decided first; null
     * while it runs and when the log could not be written.
     */
    public GlobalState decided() {
        return decided;
    }

    void decided(GlobalState decided) {
        this.decided = decided;
    }
}
