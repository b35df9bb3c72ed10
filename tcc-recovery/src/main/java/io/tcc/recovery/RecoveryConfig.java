package io.tcc.recovery;

import java.time.Duration;

import io.tcc.Settings;

/**
 * How recovery works through the log. Start from {@link #ofDefaults()}, {@link #custom()} or {@link #from}; a wrong
 * value is refused naming the property it comes from in a Boot service ({@code tcc.recovery.*}), whose defaults are
 * these. An <em>attempt</em> is one pass of phase two over a transaction's pending branches: the initiator's own is the
 * first, each of recovery's is one more, and the log's {@code attempts} column counts those that did not finish it.
 * Within one attempt each pending remote branch gets up to {@code tcc.http.remote.phase-two-calls} HTTP calls; so a
 * branch sees at most maxAttempts × phase-two-calls calls before its transaction is flagged.
 */
public final class RecoveryConfig {

    /**
     * Batches of 100, four at a time; a 60 s lease (a drive may take half of it: a few remote calls with their timeouts
     * and retries); flagged after 12 attempts, backing off from 1 s to 10 min.
     */
    private static final RecoveryConfig DEFAULTS = new Builder().build();

    private final int batchSize;
    private final Duration lease;
    private final int maxAttempts;
    private final Duration initialBackoff;
    private final Duration maxBackoff;
    private final int workers;

    private RecoveryConfig(Builder b) {
        this.batchSize = b.batchSize;
        this.lease = b.lease;
        this.maxAttempts = b.maxAttempts;
        this.initialBackoff = b.initialBackoff;
        this.maxBackoff = b.maxBackoff;
        this.workers = b.workers;
        if (maxBackoff.compareTo(initialBackoff) < 0) {
            throw new IllegalArgumentException("tcc.recovery.max-backoff must be at least tcc.recovery.initial-backoff "
                    + initialBackoff + ", was " + maxBackoff);
        }
    }

    public static RecoveryConfig ofDefaults() {
        return DEFAULTS;
    }

    public static Builder custom() {
        return new Builder();
    }

    /** A builder starting from {@code config}'s settings. */
    public static Builder from(RecoveryConfig config) {
        return custom().batchSize(config.batchSize).lease(config.lease).maxAttempts(config.maxAttempts)
                .initialBackoff(config.initialBackoff).maxBackoff(config.maxBackoff).workers(config.workers);
    }

    /** Transactions claimed per pass. */
    public int batchSize() {
        return batchSize;
    }

    /**
     * How long a claim hides a transaction from other daemons; a dead daemon's claims are due again when it ends. A
     * pass starts no drive after half of it, so one drive must fit in the other half.
     */
    public Duration lease() {
        return lease;
    }

    /** Attempts (the initiator's included) after which a transaction is flagged for an operator. */
    public int maxAttempts() {
        return maxAttempts;
    }

    /** The wait after the first failed attempt; it grows exponentially, with jitter, up to {@link #maxBackoff()}. */
    public Duration initialBackoff() {
        return initialBackoff;
    }

    /** The longest wait between two attempts. */
    public Duration maxBackoff() {
        return maxBackoff;
    }

    /** Transactions of a batch driven at once; each holds a connection while it writes the log. */
    public int workers() {
        return workers;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof RecoveryConfig c && batchSize == c.batchSize && lease.equals(c.lease)
                && maxAttempts == c.maxAttempts && initialBackoff.equals(c.initialBackoff)
                && maxBackoff.equals(c.maxBackoff) && workers == c.workers;
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(batchSize, lease, maxAttempts, initialBackoff, maxBackoff, workers);
    }

    @Override
    public String toString() {
        return "tcc.recovery.batch-size=" + batchSize + ", lease=" + lease + ", max-attempts=" + maxAttempts
                + ", initial-backoff=" + initialBackoff + ", max-backoff=" + maxBackoff + ", workers=" + workers;
    }

    public static final class Builder {
        private int batchSize = 100;
        private Duration lease = Duration.ofSeconds(60);
        private int maxAttempts = 12;
        private Duration initialBackoff = Duration.ofSeconds(1);
        private Duration maxBackoff = Duration.ofMinutes(10);
        private int workers = 4;

        private Builder() {
        }

        public Builder batchSize(int batchSize) {
            this.batchSize = Settings.between("tcc.recovery.batch-size", batchSize, 1, 10_000);
            return this;
        }

        /** At least 1 s. */
        public Builder lease(Duration lease) {
            this.lease = atLeast("tcc.recovery.lease", lease, Duration.ofSeconds(1));
            return this;
        }

        public Builder maxAttempts(int maxAttempts) {
            this.maxAttempts = Settings.between("tcc.recovery.max-attempts", maxAttempts, 1, 1_000_000);
            return this;
        }

        public Builder initialBackoff(Duration initialBackoff) {
            this.initialBackoff = Settings.positive("tcc.recovery.initial-backoff", initialBackoff);
            return this;
        }

        public Builder maxBackoff(Duration maxBackoff) {
            this.maxBackoff = Settings.positive("tcc.recovery.max-backoff", maxBackoff);
            return this;
        }

        public Builder workers(int workers) {
            this.workers = Settings.between("tcc.recovery.workers", workers, 1, 64);
            return this;
        }

        public RecoveryConfig build() {
            return new RecoveryConfig(this);
        }

        private static Duration atLeast(String key, Duration value, Duration least) {
            if (value == null || value.compareTo(least) < 0) {
                throw new IllegalArgumentException(key + " must be at least " + least + ", was " + value);
            }
            return value;
        }
    }
}
