package io.tcc.global;

import java.time.Duration;
import java.util.Objects;

import io.tcc.Identifiers;
import io.tcc.Settings;
import io.tcc.Timing;

/** Immutable settings of a {@link Coordinator}. Start from {@link #ofDefaults()} or {@link #custom()}. */
public final class CoordinatorConfig {

    private final String globalTable;
    private final String branchTable;
    private final String xidPrefix;
    private final Timing timing;
    private final Duration phaseTwoRetryDelay;
    private final Duration completionLinger;
    private final Duration groupCommitLinger;
    private final int groupCommitMaxBatch;
    private final int asyncThreads;
    private final int asyncQueueCapacity;
    private final Duration asyncDrainTimeout;

    private CoordinatorConfig(Builder b) {
        this.globalTable = b.globalTable;
        this.branchTable = b.branchTable;
        this.xidPrefix = b.xidPrefix;
        this.timing = b.timing;
        this.phaseTwoRetryDelay = b.phaseTwoRetryDelay;
        this.completionLinger = b.completionLinger;
        this.groupCommitLinger = b.groupCommitLinger;
        this.groupCommitMaxBatch = b.groupCommitMaxBatch;
        this.asyncThreads = b.asyncThreads;
        this.asyncQueueCapacity = b.asyncQueueCapacity;
        this.asyncDrainTimeout = b.asyncDrainTimeout;
        if (completionLinger.compareTo(phaseTwoRetryDelay) >= 0) {
            throw new IllegalArgumentException("tcc.completion-linger " + completionLinger + " must be shorter than"
                    + " tcc.phase-two-retry-delay " + phaseTwoRetryDelay + ", or recovery re-drives what is only waiting"
                    + " to be logged");
        }
    }

    public static CoordinatorConfig ofDefaults() {
        return custom().build();
    }

    public static Builder custom() {
        return new Builder();
    }

    /** A builder starting from {@code config}'s settings. */
    public static Builder from(CoordinatorConfig config) {
        return custom().globalTable(config.globalTable).branchTable(config.branchTable).xidPrefix(config.xidPrefix)
                .timing(config.timing).phaseTwoRetryDelay(config.phaseTwoRetryDelay)
                .completionLinger(config.completionLinger).groupCommitLinger(config.groupCommitLinger)
                .groupCommitMaxBatch(config.groupCommitMaxBatch).asyncThreads(config.asyncThreads)
                .asyncQueueCapacity(config.asyncQueueCapacity).asyncDrainTimeout(config.asyncDrainTimeout);
    }

    public String globalTable() {
        return globalTable;
    }

    public String branchTable() {
        return branchTable;
    }

    /** Starts every xid, so logs show which service began a transaction. */
    public String xidPrefix() {
        return xidPrefix;
    }

    /** The deployment's timing: the longest transaction, the recovery margin and the clock deadlines are set by. */
    public Timing timing() {
        return timing;
    }

    /** When a decided transaction's unfinished phase two is next due, should this process not finish it. */
    public Duration phaseTwoRetryDelay() {
        return phaseTwoRetryDelay;
    }

    /**
     * How long the record of a remote branch's finished phase two (and the transaction's final state) may wait to ride
     * on the log's next commit instead of taking one of its own; zero writes it at once. A crash loses only a wait: the
     * transaction is driven again, and phase two is idempotent.
     */
    public Duration completionLinger() {
        return completionLinger;
    }

    /**
     * How long a registration or decision that opens a group commit waits for concurrent ones to join it before
     * committing; zero (the default) waits for none, so a group forms only of what queued while the commit before it
     * ran. Never longer than {@link #MAX_GROUP_COMMIT_LINGER}: it delays every try and every phase two.
     */
    public Duration groupCommitLinger() {
        return groupCommitLinger;
    }

    /** At most this many registrations and decisions share one commit; 1 commits each on its own. */
    public int groupCommitMaxBatch() {
        return groupCommitMaxBatch;
    }

    /** Threads of the pool that runs asynchronous phase twos. */
    public int asyncThreads() {
        return asyncThreads;
    }

    /** Asynchronous phase twos that may wait for a thread; beyond it the caller runs its phase two itself. */
    public int asyncQueueCapacity() {
        return asyncQueueCapacity;
    }

    /** How long closing the coordinator waits for asynchronous phase twos; what is left is recovery's. */
    public Duration asyncDrainTimeout() {
        return asyncDrainTimeout;
    }

    /** The longest {@link #groupCommitLinger()} allowed. */
    public static final Duration MAX_GROUP_COMMIT_LINGER = Duration.ofMillis(10);

    public static final class Builder {
        private String globalTable = "tcc_global";
        private String branchTable = "tcc_branch";
        private String xidPrefix = "tcc";
        private Timing timing = Timing.ofDefaults();
        private Duration phaseTwoRetryDelay = Duration.ofSeconds(5);
        private Duration completionLinger = Duration.ZERO;
        private Duration groupCommitLinger = Duration.ZERO;
        private int groupCommitMaxBatch = 64;
        private int asyncThreads = 8;
        private int asyncQueueCapacity = 1_000;
        private Duration asyncDrainTimeout = Duration.ofSeconds(10);

        private Builder() {
        }

        public Builder globalTable(String globalTable) {
            this.globalTable = Objects.requireNonNull(globalTable, "tcc.log.global-table");
            return this;
        }

        public Builder branchTable(String branchTable) {
            this.branchTable = Objects.requireNonNull(branchTable, "tcc.log.branch-table");
            return this;
        }

        /** Letters, digits and {@code . _ -}, at most 32 characters. */
        public Builder xidPrefix(String xidPrefix) {
            if (xidPrefix == null || xidPrefix.length() > 32 || !xidPrefix.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
                throw new IllegalArgumentException("tcc.xid-prefix must be 1-32 letters, digits, . _ - (starting with a letter"
                        + " or digit), was '" + xidPrefix + "'");
            }
            Identifiers.requireXid(xidPrefix);
            this.xidPrefix = xidPrefix;
            return this;
        }

        /** The deployment's timing; {@link Timing#ofDefaults()} unless set. */
        public Builder timing(Timing timing) {
            this.timing = Objects.requireNonNull(timing, "timing");
            return this;
        }

        public Builder phaseTwoRetryDelay(Duration phaseTwoRetryDelay) {
            this.phaseTwoRetryDelay = Settings.positive("tcc.phase-two-retry-delay", phaseTwoRetryDelay);
            return this;
        }

        /** Zero (the default) or positive, and shorter than the phase-two retry delay. */
        public Builder completionLinger(Duration completionLinger) {
            this.completionLinger = Settings.notNegative("tcc.completion-linger", completionLinger);
            return this;
        }

        /** Zero (the default) to at most {@link #MAX_GROUP_COMMIT_LINGER}. */
        public Builder groupCommitLinger(Duration groupCommitLinger) {
            this.groupCommitLinger = Settings.notNegative("tcc.log.group-commit.linger", groupCommitLinger);
            if (groupCommitLinger.compareTo(MAX_GROUP_COMMIT_LINGER) > 0) {
                throw new IllegalArgumentException("tcc.log.group-commit.linger must be at most "
                        + MAX_GROUP_COMMIT_LINGER + ": every try and phase two waits it; was " + groupCommitLinger);
            }
            return this;
        }

        /** 1 (each write commits alone) to 1000; 64 by default. */
        public Builder groupCommitMaxBatch(int groupCommitMaxBatch) {
            this.groupCommitMaxBatch = Settings.between("tcc.log.group-commit.max-batch", groupCommitMaxBatch, 1, 1_000);
            return this;
        }

        /** 1 to 256; 8 by default. */
        public Builder asyncThreads(int asyncThreads) {
            this.asyncThreads = Settings.between("tcc.phase-two.async.threads", asyncThreads, 1, 256);
            return this;
        }

        /** 0 (no waiting: a busy pool sends the caller its own phase two) to 100000; 1000 by default. */
        public Builder asyncQueueCapacity(int asyncQueueCapacity) {
            this.asyncQueueCapacity = Settings.between("tcc.phase-two.async.queue-capacity", asyncQueueCapacity, 0,
                    100_000);
            return this;
        }

        public Builder asyncDrainTimeout(Duration asyncDrainTimeout) {
            this.asyncDrainTimeout = Settings.notNegative("tcc.phase-two.async.drain-timeout", asyncDrainTimeout);
            return this;
        }

        public CoordinatorConfig build() {
            return new CoordinatorConfig(this);
        }

    }
}
