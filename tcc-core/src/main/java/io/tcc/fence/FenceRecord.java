package io.tcc.fence;

import java.time.Instant;

/**
 * One row of the fence table as the database holds it.
 *
 * @param emptyCancel true when the cancel arrived before any try and released nothing
 * @param args        the try's arguments as recorded at try time (null for an empty cancel or a try without any)
 * @param createdAt   written by the database's clock
 * @param updatedAt   written by the database's clock; cleanup ages finished rows by it
 */
public record FenceRecord(BranchKey key, String action, FenceState state, boolean emptyCancel, String args,
                          Instant deadline, Instant createdAt, Instant updatedAt) {
}
