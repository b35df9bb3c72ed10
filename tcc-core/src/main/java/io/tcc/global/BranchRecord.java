package io.tcc.global;

import java.time.Instant;

import io.tcc.fence.BranchKey;

/**
 * A branch as the initiator's log holds it: everything phase two and recovery need to reach its participant.
 *
 * @param participant the participant's name ({@link io.tcc.participant.LocalParticipant#NAME} for one inside the initiator)
 * @param endpoint    where to reach it (a base URL for a remote participant), null for a local one
 */
public record BranchRecord(String xid, String branchId, String participant, String action, String endpoint,
                           BranchState state, String lastOutcome, Instant createdAt, Instant updatedAt) {

    public BranchKey key() {
        return new BranchKey(xid, branchId);
    }
}
