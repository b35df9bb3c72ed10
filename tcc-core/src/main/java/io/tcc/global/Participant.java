package io.tcc.global;

import java.time.Instant;

/**
 * How phase two reaches a branch, from nothing but its row in the global log: one implementation for participants
 * inside the initiator, one per remote protocol. Both methods return normally only on a definite success; any
 * exception leaves the branch pending, to be driven again.
 */
public interface Participant {

    /** The name stored in the branch row's {@code participant} column. */
    String name();

    void confirm(BranchRecord branch, Instant deadline) throws Throwable;

    void cancel(BranchRecord branch, Instant deadline) throws Throwable;
}
