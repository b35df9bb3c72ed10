package io.tcc.http;

import java.time.Duration;
import java.util.Objects;

import io.tcc.Settings;

/**
 * How concurrent confirms (or cancels) bound for one participant share a request ({@code tcc.http.remote.batch.*}).
 * A call that finds nothing else in flight to its participant goes out at once, alone; calls that meet one in flight
 * gather for at most {@code linger}, or until {@code maxSize} are waiting, and go out as one request.
 *
 * @param enabled {@code tcc.http.remote.batch.enabled}: false sends every call alone
 * @param linger  {@code tcc.http.remote.batch.linger}: the longest a call waits for others, 0 to 100 ms
 * @param maxSize {@code tcc.http.remote.batch.max-size}: the most calls in one request, 2 to 1000; keep it at or below
 *                the participants' {@code tcc.http.participant.max-batch-entries}
 */
public record PhaseTwoBatching(boolean enabled, Duration linger, int maxSize) {

    public PhaseTwoBatching {
        Objects.requireNonNull(linger, "linger");
        Settings.notNegative("tcc.http.remote.batch.linger", linger);
        if (linger.compareTo(Duration.ofMillis(100)) > 0) {
            throw new IllegalArgumentException("tcc.http.remote.batch.linger must be at most 100ms, was " + linger
                    + ": every call gathered in a batch waits up to that long");
        }
        Settings.between("tcc.http.remote.batch.max-size", maxSize, 2, 1000);
    }

    /** Batched, lingering 1 ms, up to 64 calls a request. */
    public static PhaseTwoBatching ofDefaults() {
        return new PhaseTwoBatching(true, Duration.ofMillis(1), 64);
    }

    /** Every call alone, as before batching existed. */
    public static PhaseTwoBatching disabled() {
        return new PhaseTwoBatching(false, Duration.ZERO, 2);
    }
}
