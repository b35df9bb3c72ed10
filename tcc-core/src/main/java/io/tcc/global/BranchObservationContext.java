package io.tcc.global;

import io.micrometer.observation.Observation;
import io.tcc.fence.FencePhase;

/**
 * What the {@code tcc.branch} observation sees of one branch call the initiator makes: a try, or a confirm or cancel
 * in phase two, from the branch's row to the participant's answer. The failure, if any, is {@link #getError()}.
 */
public class BranchObservationContext extends Observation.Context {

    /** Who made the call. */
    public enum Driver {
        /** The thread that runs the transaction: every try, and a synchronous phase two. */
        CALLER,
        /** The initiator's asynchronous phase-two pool (or its caller, when the pool's queue was full). */
        POOL,
        /** Recovery resuming a transaction from the log, or an operator's retry. */
        RECOVERY
    }

    private final BranchRecord branch;
    private final FencePhase phase;
    private final Driver driver;

    public BranchObservationContext(BranchRecord branch, FencePhase phase, Driver driver) {
        this.branch = branch;
        this.phase = phase;
        this.driver = driver;
    }

    /** The branch as the initiator's log holds it: xid, branch id, participant, action, endpoint. */
    public BranchRecord branch() {
        return branch;
    }

    public FencePhase phase() {
        return phase;
    }

    public Driver driver() {
        return driver;
    }
}
