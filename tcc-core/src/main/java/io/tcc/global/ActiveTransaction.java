package io.tcc.global;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.observation.Observation;
import io.tcc.context.CurrentTransaction;
import io.tcc.context.TransactionContext;

/**
 * A global transaction while its initiator runs it: the xid, the deadline and the branches registered so far.
 * Bound to the thread by {@link TransactionContext}; safe to hand to other threads.
 */
public final class ActiveTransaction implements CurrentTransaction {

    private final String xid;
    private final Instant deadline;
    private final String name;
    private final AtomicInteger branchSequence = new AtomicInteger();
    private final List<BranchRecord> branches = new ArrayList<>();
    /** Held by the registration that writes the global row, so branches registered at once on other threads wait for it. */
    private final java.util.concurrent.locks.ReentrantLock firstRegistration = new java.util.concurrent.locks.ReentrantLock();
    private final Observation observation;
    private boolean logged;
    private String tryFailure;

    ActiveTransaction(String xid, Instant deadline, String name) {
        this(xid, deadline, name, Observation.NOOP);
    }

    ActiveTransaction(String xid, Instant deadline, String name, Observation observation) {
        this.xid = xid;
        this.deadline = deadline;
        this.name = name;
        this.observation = observation;
    }

    /** The transaction this initiator runs on the current thread, or null. */
    static ActiveTransaction onThisThread() {
        return TransactionContext.current() instanceof ActiveTransaction active ? active : null;
    }

    @Override
    public String xid() {
        return xid;
    }

    @Override
    public Instant deadline() {
        return deadline;
    }

    @Override
    public String name() {
        return name;
    }

    /** Its {@code tcc.transaction} observation: the parent of its branch calls, on whatever thread they run. */
    Observation observation() {
        return observation;
    }

    String nextBranchId() {
        return Integer.toString(branchSequence.incrementAndGet());
    }

    /** True once the global row exists: the first registration writes it. */
    synchronized boolean logged() {
        return logged;
    }

    /**
     * Runs a registration; while the global row may not exist yet, one at a time, so concurrent first registrations
     * from several threads do not both insert it.
     */
    <T> T register(java.util.concurrent.Callable<T> registration) throws Exception {
        if (logged()) {
            return registration.call();
        }
        firstRegistration.lock();
        try {
            return registration.call();
        } finally {
            firstRegistration.unlock();
        }
    }

    synchronized void registered(BranchRecord branch) {
        logged = true;
        branches.add(branch);
    }

    synchronized List<BranchRecord> branches() {
        return List.copyOf(branches);
    }

    /** Remembers the first try that did not answer a definite success: the transaction can then only cancel. */
    synchronized void tryFailed(String reason) {
        if (tryFailure == null) {
            tryFailure = reason;
        }
    }

    synchronized String tryFailure() {
        return tryFailure;
    }

    @Override
    public String toString() {
        return "global transaction " + xid + (name == null ? "" : " (" + name + ")");
    }
}
