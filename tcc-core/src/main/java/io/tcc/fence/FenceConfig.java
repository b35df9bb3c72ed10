package io.tcc.fence;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

import io.tcc.BadInputException;
import io.tcc.Settings;
import io.tcc.Timing;
import io.tcc.jdbc.Dialect;

/**
 * Immutable settings of a {@link Fence}. Start from {@link #ofDefaults()} or {@link #custom()}.
 *
 * <p>Retention and deadlines are tied together through the deployment's {@link Timing}: a try is accepted only
 * before its deadline, a deadline may lie at most the longest transaction plus the clock-skew margin ahead of the
 * participant's clock, and cleanup keeps a finished row until no try for it can still be accepted.
 */
public final class FenceConfig {

    private final String tableName;
    private final Dialect dialect;
    private final Timing timing;
    private final int conflictRetries;
    private final int maxArgsBytes;

    private FenceConfig(Builder b) {
        this.tableName = b.tableName;
        this.dialect = b.dialect;
        this.timing = b.timing;
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
    long requireDeadline(BranchKey key, Instant deadline) {
        if (deadline == null) {
            throw new BadInputException("deadline is missing for " + key);
        }
        Duration longest = timing.longestTransaction();
        Instant latest = timing.clock().instant().plus(longest).plus(timing.clockSkewMargin());
        if (deadline.isAfter(latest)) {
            throw new BadInputException("deadline " + deadline + " of " + key + " lies more than "
                    + Timing.LONGEST_TRANSACTION_KEY + " (" + longest + ") plus " + Timing.CLOCK_SKEW_MARGIN_KEY + " ("
                    + timing.clockSkewMargin() + ") ahead of this participant's clock: cleanup could not keep its row"
                    + " long enough to refuse a late try. Give the transaction a shorter timeout, or raise "
                    + Timing.LONGEST_TRANSACTION_KEY + " here");
        }
        return deadline.toEpochMilli();
    }

    public static Builder custom() {
        return new Builder();
    }

    /** A builder starting from {@code config}'s settings. */
    public static Builder from(FenceConfig config) {
        return custom().tableName(config.tableName).dialect(config.dialect).timing(config.timing)
                .conflictRetries(config.conflictRetries).maxArgsBytes(config.maxArgsBytes);
    }

    /** The fence table, {@code tcc_fence} unless the schema was applied under another name. */
    public String tableName() {
        return tableName;
    }

    /** The database dialect, or null to detect it from the DataSource. */
    public Dialect dialect() {
        return dialect;
    }

    /** The deployment's timing: deadlines are checked, and cleanup's retention is bounded, by it. */
    public Timing timing() {
        return timing;
    }

    /** How many times a transaction that lost a lock conflict is run again before giving up. */
    public int conflictRetries() {
        return conflictRetries;
    }

    public int maxArgsBytes() {
        return maxArgsBytes;
    }

    /** The shortest retention cleanup accepts: no try for a deleted row can still be inside its deadline. */
    public Duration minimumRetention() {
        return timing.minimumRetention(Timing.Rows.FENCE);
    }

    public static final class Builder {
        private String tableName = "tcc_fence";
        private Dialect dialect;
        private Timing timing = Timing.ofDefaults();
        private int conflictRetries = 5;
        private int maxArgsBytes = 65_535;

        private Builder() {
        }

        public Builder tableName(String tableName) {
            this.tableName = Objects.requireNonNull(tableName, "tcc.fence.table");
            return this;
        }

        public Builder dialect(Dialect dialect) {
            this.dialect = dialect;
            return this;
        }

        /** The deployment's timing; {@link Timing#ofDefaults()} unless set. */
        public Builder timing(Timing timing) {
            this.timing = Objects.requireNonNull(timing, "timing");
            return this;
        }

        public Builder conflictRetries(int conflictRetries) {
            this.conflictRetries = Settings.between("tcc.fence.conflict-retries", conflictRetries, 0, 100);
            return this;
        }

        /** The largest recorded try arguments, in UTF-8 bytes; the schema's column holds 65,535. */
        public Builder maxArgsBytes(int maxArgsBytes) {
            this.maxArgsBytes = Settings.between("tcc.fence.max-args-bytes", maxArgsBytes, 0, 65_535); // the column's size
            return this;
        }

        public FenceConfig build() {
            return new FenceConfig(this);
        }
    }
}
