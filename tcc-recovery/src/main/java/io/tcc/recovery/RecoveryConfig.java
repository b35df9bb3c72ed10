package io.tcc.recovery;

import java.time.Duration;
import java.util.Objects;

/**
 * How recovery works through the log.
 *
 * @param batchSize      transactions claimed per pass
 * @param lease          how long a claim hides a transaction from other daemons; longer than one drive takes
 * @param maxAttempts    attempts after which a transaction is flagged for an operator
 * @param initialBackoff the wait after the first failed attempt; it grows exponentially, with jitter, up to maxBackoff
 * @param maxBackoff     the longest wait between two attempts
 */
public record RecoveryConfig(int batchSize, Duration lease, int maxAttempts, Duration initialBackoff, Duration maxBackoff) {

    public RecoveryConfig {
        if (batchSize < 1 || batchSize > 10_000) {
            throw new IllegalArgumentException("batchSize must be between 1 and 10000, was " + batchSize);
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
        return new RecoveryConfig(100, Duration.ofSeconds(60), 12, Duration.ofSeconds(1), Duration.ofMinutes(10));
    }
}
