package io.tcc.participant;

import java.time.Instant;

import io.tcc.fence.BranchKey;

/**
 * A branch that phase two must finish, as the initiator's log holds it.
 *
 * @param action   the action its try ran
 * @param endpoint where a remote participant was reached at try time, or null for one inside the initiator
 * @param deadline the transaction's deadline, which the participant's fence compares with its own clock
 */
public record PendingBranch(BranchKey key, String action, String endpoint, Instant deadline) {
}
