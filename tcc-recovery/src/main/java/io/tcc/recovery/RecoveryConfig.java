package io.tcc.recovery;

import java.time.Duration;
import java.util.Objects;

/**
 * How recovery works through the log. An <em>attempt</em> is one pass of phase two over a transaction's pending
 * branches: the initiator's own is the first, each of recovery's is one more, and the log's {@code attempts} column
 * counts those that did not finish it. Within one attempt each pending remote branch gets up to
 * {@code tcc.http.remote.phase-two-calls} HTTP calls; so a branch sees at most maxAttempts × phase-two-calls calls
 * before its transaction is flagged.
 *
 * @param batchSize      transactions claimed per pass
 * @param lease          how long a claim hides a transaction from other daemons; longer than one drive takes
 * @param maxAttempts    attempts (the initiator's included) after which a transaction is flagged for an operator
 * @param initialBackoff the wait after the first failed attempt; it grows exponentially, with jitter, up to maxBackoff
 * @param maxBackoff     the longest wait between two attempts
 * @param workers        transactions of a batch driven at once; each holds a connection while it writes the log
 */
public record RecoveryConfig(int batchSize, Duration lease, int maxAttempts, Duration initialBackoff, Duration maxBackoff,
                             int workers) {

    public RecoveryConfig {
        if (batchSize < 1 || batchSize > 10_000) {
            throw new IllegalArgumentException("batchSize must be between 1 and 10000, was " + batchSize);
        }
        if (workers < 1 || workers > 64) {
            throw new IllegalArgumentException("workers must be between 1 and 64, was " + workers);
        }
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1, was " + maxAttempts);
        }
        for (Duration d : new Duration[] {lease, initialBackoff, maxBackoff}) {
            Objects.requireNonNull(d, "durations");
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("lease, initialBackoff and maxBackoff must be positive");
            }
        }
        if (maxBackoff.compareTo(initialBackoff) < 0) {
            throw new IllegalArgumentException("maxBackoff " + maxBackoff + " is shorter than initialBackoff " + initialBackoff);
        }
    }

    public static RecoveryConfig ofDefaults() {
        return new RecoveryConfig(100, Duration.ofSeconds(60), 12, Duration.ofSeconds(1), Duration.ofMinutes(10), 4);
    }
}
