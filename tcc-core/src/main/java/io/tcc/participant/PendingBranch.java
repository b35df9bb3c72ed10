package io.tcc.participant;

import java.time.Instant;

import io.tcc.fence.BranchKey;

/**
 * A branch that phase two must finish, as the initiator's log holds it.
 *
 * @param action   the action its try ran
 * @param endpoint where a remote participant was reached at try time, or null for one inside the initiator
 * @param deadline the transaction's deadline, which the participant's fence compares with its own clock
 * @param triedArgs the try's arguments as the initiator sent them (encoded for a local branch, the request body for a
 *                  remote one), or null when only the participant's fence row holds them (recovery, operators)
 */
public record PendingBranch(BranchKey key, String action, String endpoint, Instant deadline, String triedArgs) {

    /** A branch whose try's arguments only the participant's fence row holds. */
    public PendingBranch(BranchKey key, String action, String endpoint, Instant deadline) {
        this(key, action, endpoint, deadline, null);
    }
}
