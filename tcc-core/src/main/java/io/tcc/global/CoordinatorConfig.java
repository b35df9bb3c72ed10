package io.tcc.global;

import java.time.Duration;
import java.util.Objects;

import io.tcc.Identifiers;

/** Immutable settings of a {@link Coordinator}. Start from {@link #ofDefaults()} or {@link #custom()}. */
public final class CoordinatorConfig {

    private final String globalTable;
    private final String branchTable;
    private final String xidPrefix;
    private final Duration maxTimeout;
    private final Duration recoveryMargin;
    private final Duration phaseTwoRetryDelay;
    private final Duration completionLinger;

    private CoordinatorConfig(Builder b) {
        this.globalTable = b.globalTable;
        this.branchTable = b.branchTable;
        this.xidPrefix = b.xidPrefix;
        this.maxTimeout = b.maxTimeout;
        this.recoveryMargin = b.recoveryMargin;
        this.phaseTwoRetryDelay = b.phaseTwoRetryDelay;
        this.completionLinger = b.completionLinger;
        if (completionLinger.compareTo(phaseTwoRetryDelay) >= 0) {
            throw new IllegalArgumentException("completionLinger " + completionLinger + " must be shorter than"
                    + " phaseTwoRetryDelay " + phaseTwoRetryDelay + ", or recovery re-drives what is only waiting to be logged");
        }
    }

    public static CoordinatorConfig ofDefaults() {
        return custom().build();
    }

    public static Builder custom() {
        return new Builder();
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

    /** The longest timeout a transaction may ask for; participants must accept deadlines this far ahead. */
    public Duration maxTimeout() {
        return maxTimeout;
    }

    /** How long past its deadline a TRYING transaction waits before recovery cancels it (covers clock skew). */
    public Duration recoveryMargin() {
        return recoveryMargin;
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
        private Duration maxTimeout = Duration.ofMinutes(10);
        private Duration recoveryMargin = Duration.ofSeconds(30);
        private Duration phaseTwoRetryDelay = Duration.ofSeconds(5);
        private Duration completionLinger = Duration.ZERO;

        private Builder() {
        }

        public Builder globalTable(String globalTable) {
            this.globalTable = Objects.requireNonNull(globalTable, "globalTable");
            return this;
        }

        public Builder branchTable(String branchTable) {
            this.branchTable = Objects.requireNonNull(branchTable, "branchTable");
            return this;
        }

        /** Letters, digits and {@code . _ -}, at most 32 characters. */
        public Builder xidPrefix(String xidPrefix) {
            if (xidPrefix == null || xidPrefix.length() > 32 || !xidPrefix.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
                throw new IllegalArgumentException("xidPrefix must be 1-32 letters, digits, . _ - (starting with a letter"
                        + " or digit), was '" + xidPrefix + "'");
            }
            Identifiers.requireXid(xidPrefix);
            this.xidPrefix = xidPrefix;
            return this;
        }

        public Builder maxTimeout(Duration maxTimeout) {
            this.maxTimeout = positive("maxTimeout", maxTimeout);
            return this;
        }

        public Builder recoveryMargin(Duration recoveryMargin) {
            this.recoveryMargin = positive("recoveryMargin", recoveryMargin);
            return this;
        }

        public Builder phaseTwoRetryDelay(Duration phaseTwoRetryDelay) {
            this.phaseTwoRetryDelay = positive("phaseTwoRetryDelay", phaseTwoRetryDelay);
            return this;
        }

        /** Zero (the default) or positive, and shorter than the phase-two retry delay. */
        public Builder completionLinger(Duration completionLinger) {
            Objects.requireNonNull(completionLinger, "completionLinger");
            if (completionLinger.isNegative()) {
                throw new IllegalArgumentException("completionLinger must not be negative, was " + completionLinger);
            }
            this.completionLinger = completionLinger;
            return this;
        }

        public CoordinatorConfig build() {
            return new CoordinatorConfig(this);
        }

        private static Duration positive(String name, Duration value) {
            Objects.requireNonNull(value, name);
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException(name + " must be positive, was " + value);
            }
            return value;
        }
    }
}
