package io.tcc.fence;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

import io.tcc.BadInputException;
import io.tcc.RetentionRule;
import io.tcc.jdbc.Dialect;

/**
 * Immutable settings of a {@link Fence}. Start from {@link #ofDefaults()} or {@link #custom()}.
 *
 * <p>Retention and deadlines are tied together: cleanup may delete a finished row only once no try for it
 * can still be accepted. A try is accepted only before its deadline, and a deadline may lie at most
 * {@code maxTransactionTimeout + clockSkewMargin} ahead of the participant's clock, so
 * {@link #minimumRetention()} is {@code maxTransactionTimeout + 2 × clockSkewMargin} (one margin between the
 * initiator's and participant's clocks, one between the participant and its database).
 */
public final class FenceConfig {

    private final String tableName;
    private final Dialect dialect;
    private final Duration maxTransactionTimeout;
    private final Duration clockSkewMargin;
    private final int conflictRetries;
    private final int maxArgsBytes;

    private FenceConfig(Builder b) {
        this.tableName = b.tableName;
        this.dialect = b.dialect;
        this.maxTransactionTimeout = b.maxTransactionTimeout;
        this.clockSkewMargin = b.clockSkewMargin;
        this.conflictRetries = b.conflictRetries;
        this.maxArgsBytes = b.maxArgsBytes;
    }

    public static FenceConfig ofDefaults() {
        return custom().build();
    }

    /** @throws BadInputException for arguments this fence cannot record; nothing was recorded */
    void requireRecordable(String args, Dialect dialect) {
        if (args != null && args.indexOf('\u0000') >= 0 && dialect == Dialect.POSTGRESQL) {
            throw new BadInputException("try arguments contain the NUL character (U+0000), which PostgreSQL cannot store"
                    + " in a text column; nothing was recorded. Encode such values (an ArgumentCodec such as the default"
                    + " Java serialization one never produces NUL)");
        }
        if (args != null) {
            int bytes = args.getBytes(StandardCharsets.UTF_8).length;
            if (bytes > maxArgsBytes) {
                throw new BadInputException("try arguments are " + bytes + " bytes in UTF-8; at most "
                        + maxArgsBytes + " are recorded");
            }
        }
    }

    /**
     * The deadline in epoch milliseconds.
     *
     * @throws BadInputException for a missing deadline, or one further ahead than the longest transaction and the clock
     *                           skew margin allow: cleanup could not keep its row long enough to refuse a late try
     */
    long requireDeadline(BranchKey key, Instant deadline, Clock clock) {
        if (deadline == null) {
            throw new BadInputException("deadline is missing for " + key);
        }
        Instant latest = clock.instant().plus(maxTransactionTimeout).plus(clockSkewMargin);
        if (deadline.isAfter(latest)) {
            throw new BadInputException("deadline " + deadline + " of " + key + " lies more than "
                    + RetentionRule.LONGEST_TRANSACTION_KEY + " (" + maxTransactionTimeout + ") plus "
                    + RetentionRule.CLOCK_SKEW_MARGIN_KEY + " (" + clockSkewMargin + ") ahead of this"
                    + " participant's clock: cleanup could not keep its row long enough to refuse a late try. Give the"
                    + " transaction a shorter timeout, or raise " + RetentionRule.LONGEST_TRANSACTION_KEY + " here");
        }
        return deadline.toEpochMilli();
    }

    public static Builder custom() {
        return new Builder();
    }

    /** The fence table, {@code tcc_fence} unless the schema was applied under another name. */
    public String tableName() {
        return tableName;
    }

    /** The database dialect, or null to detect it from the DataSource. */
    public Dialect dialect() {
        return dialect;
    }

    public Duration maxTransactionTimeout() {
        return maxTransactionTimeout;
    }

    public Duration clockSkewMargin() {
        return clockSkewMargin;
    }

    /** How many times a transaction that lost a lock conflict is run again before giving up. */
    public int conflictRetries() {
        return conflictRetries;
    }

    public int maxArgsBytes() {
        return maxArgsBytes;
    }

    /** The fence's part of the deployment's timing rule. */
    public RetentionRule retentionRule() {
        return RetentionRule.forFence(maxTransactionTimeout, clockSkewMargin);
    }

    /** The shortest retention cleanup accepts: no try for a deleted row can still be inside its deadline. */
    public Duration minimumRetention() {
        return retentionRule().minimumRetention();
    }

    public static final class Builder {
        private String tableName = "tcc_fence";
        private Dialect dialect;
        private Duration maxTransactionTimeout = Duration.ofMinutes(10);
        private Duration clockSkewMargin = Duration.ofMinutes(1);
        private int conflictRetries = 5;
        private int maxArgsBytes = 65_535;

        private Builder() {
        }

        public Builder tableName(String tableName) {
            this.tableName = Objects.requireNonNull(tableName, "tableName");
            return this;
        }

        public Builder dialect(Dialect dialect) {
            this.dialect = dialect;
            return this;
        }

        /** The longest timeout any initiator may give a transaction that reaches this participant. */
        public Builder maxTransactionTimeout(Duration maxTransactionTimeout) {
            this.maxTransactionTimeout = positive("maxTransactionTimeout", maxTransactionTimeout);
            return this;
        }

        /** How far the clocks of initiator, participant and database may drift apart. */
        public Builder clockSkewMargin(Duration clockSkewMargin) {
            Objects.requireNonNull(clockSkewMargin, "clockSkewMargin");
            if (clockSkewMargin.isNegative()) {
                throw new IllegalArgumentException("clockSkewMargin must not be negative, was " + clockSkewMargin);
            }
            this.clockSkewMargin = clockSkewMargin;
            return this;
        }

        public Builder conflictRetries(int conflictRetries) {
            if (conflictRetries < 0 || conflictRetries > 100) {
                throw new IllegalArgumentException("conflictRetries must be between 0 and 100, was " + conflictRetries);
            }
            this.conflictRetries = conflictRetries;
            return this;
        }

        /** The largest recorded try arguments, in UTF-8 bytes; the schema's column holds 65,535. */
        public Builder maxArgsBytes(int maxArgsBytes) {
            if (maxArgsBytes < 0 || maxArgsBytes > 65_535) {
                throw new IllegalArgumentException("maxArgsBytes must be between 0 and 65535 (the column's size), was "
                        + maxArgsBytes);
            }
            this.maxArgsBytes = maxArgsBytes;
            return this;
        }

        public FenceConfig build() {
            return new FenceConfig(this);
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
