package io.tcc.global;

import java.time.Instant;

/** Unfinished transactions in one state: how many, how many flagged, and when the oldest was created. */
public record PendingStats(GlobalState state, long count, long flagged, Instant oldestCreatedAt) {
}
