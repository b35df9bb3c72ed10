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

    private CoordinatorConfig(Builder b) {
        this.globalTable = b.globalTable;
        this.branchTable = b.branchTable;
        this.xidPrefix = b.xidPrefix;
        this.timing = b.timing;
        this.phaseTwoRetryDelay = b.phaseTwoRetryDelay;
        this.completionLinger = b.completionLinger;
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
                .completionLinger(config.completionLinger);
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

    public static final class Builder {
        private String globalTable = "tcc_global";
        private String branchTable = "tcc_branch";
        private String xidPrefix = "tcc";
        private Timing timing = Timing.ofDefaults();
        private Duration phaseTwoRetryDelay = Duration.ofSeconds(5);
        private Duration completionLinger = Duration.ZERO;

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

        public CoordinatorConfig build() {
            return new CoordinatorConfig(this);
        }

    }
}
