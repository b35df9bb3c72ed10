package io.tcc.global;

import java.time.Instant;

import io.tcc.fence.BranchKey;

/**
 * A branch as the initiator's log holds it: everything phase two and recovery need to reach its participant.
 *
 * @param participant the participant's name ({@link io.tcc.participant.LocalParticipant#NAME} for one inside the initiator)
 * @param endpoint    where to reach it (a base URL for a remote participant), null for a local one
 * @param triedArgs   the try's arguments as sent (encoded for a local branch, the request body for a remote one), kept
 *                    in memory by the initiator that ran the try so phase two can carry them; null when read from the log
 */
public record BranchRecord(String xid, String branchId, String participant, String action, String endpoint,
                           BranchState state, String lastOutcome, Instant createdAt, Instant updatedAt,
                           String triedArgs) {

    /** A branch as the log holds it: the try's arguments are not in it. */
    public BranchRecord(String xid, String branchId, String participant, String action, String endpoint,
                        BranchState state, String lastOutcome, Instant createdAt, Instant updatedAt) {
        this(xid, branchId, participant, action, endpoint, state, lastOutcome, createdAt, updatedAt, null);
    }

    public BranchKey key() {
        return new BranchKey(xid, branchId);
    }
}
