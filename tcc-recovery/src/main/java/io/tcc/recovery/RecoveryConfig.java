package io.tcc.recovery;

import java.time.Duration;

/**
 * How recovery works through the log. The messages of a wrong value name the property it comes from in a Boot service
 * ({@code tcc.recovery.*}); {@link #ofDefaults()} holds the defaults of those properties. An <em>attempt</em> is one
 * pass of phase two over a transaction's pending branches: the initiator's own is the first, each of recovery's is one
 * more, and the log's {@code attempts} column counts those that did not finish it. Within one attempt each pending
 * remote branch gets up to {@code tcc.http.remote.phase-two-calls} HTTP calls; so a branch sees at most
 * maxAttempts × phase-two-calls calls before its transaction is flagged.
 *
 * @param batchSize      transactions claimed per pass
 * @param lease          how long a claim hides a transaction from other daemons; a dead daemon's claims are due again
 *                       when it ends. A pass starts no drive after half of it, so one drive must fit in the other half
 * @param maxAttempts    attempts (the initiator's included) after which a transaction is flagged for an operator
 * @param initialBackoff the wait after the first failed attempt; it grows exponentially, with jitter, up to maxBackoff
 * @param maxBackoff     the longest wait between two attempts
 * @param workers        transactions of a batch driven at once; each holds a connection while it writes the log
 */
public record RecoveryConfig(int batchSize, Duration lease, int maxAttempts, Duration initialBackoff, Duration maxBackoff,
                             int workers) {

    public RecoveryConfig {
        if (batchSize < 1 || batchSize > 10_000) {
            throw new IllegalArgumentException("tcc.recovery.batch-size must be between 1 and 10000, was " + batchSize);
        }
        if (workers < 1 || workers > 64) {
            throw new IllegalArgumentException("tcc.recovery.workers must be between 1 and 64, was " + workers);
        }
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("tcc.recovery.max-attempts must be at least 1, was " + maxAttempts);
        }
        atLeast("tcc.recovery.lease", lease, Duration.ofSeconds(1));
        atLeast("tcc.recovery.initial-backoff", initialBackoff, Duration.ofMillis(1));
        atLeast("tcc.recovery.max-backoff", maxBackoff, initialBackoff);
    }

    private static void atLeast(String key, Duration value, Duration least) {
        if (value == null || value.compareTo(least) < 0) {
            throw new IllegalArgumentException(key + " must be at least " + least + ", was " + value);
        }
    }

    /**
     * Batches of 100, four at a time; a 60 s lease (a drive may take half of it: a few remote calls with their timeouts
     * and retries); flagged after 12 attempts, backing off from 1 s to 10 min.
     */
    public static RecoveryConfig ofDefaults() {
        return new RecoveryConfig(100, Duration.ofSeconds(60), 12, Duration.ofSeconds(1), Duration.ofMinutes(10), 4);
    }
}
