package io.tcc.participant;

/**
 * How phase two reaches a branch, from nothing but what the initiator's log holds of it: one implementation for
 * participants inside the initiator, one per remote protocol. Both methods return normally only on a definite success;
 * any exception leaves the branch pending, to be driven again.
 */
public interface Participant {

    /** The name stored in the branch row's {@code participant} column. */
    String name();

    void confirm(PendingBranch branch) throws Throwable;

    void cancel(PendingBranch branch) throws Throwable;
}
