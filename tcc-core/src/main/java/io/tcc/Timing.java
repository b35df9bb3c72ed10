package io.tcc;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The deployment's timing, one value that the fence, the initiator, recovery and cleanup all take: the longest
 * transaction, the clock-skew margin, the recovery margin and the clock. It also says, in this one place, how long
 * finished rows must be kept so that cleanup can never re-open a branch: fence rows must outlive the longest transaction
 * plus two clock-skew margins (initiator to participant, participant to its database), so a try arriving for a deleted
 * row is refused by its deadline; global log rows must outlive the longest transaction plus recovery's margin.
 *
 * <p>Whatever cleanup removed, a late repeat of its confirm or cancel is answered as finished
 * ({@code FenceOutcome.CLEANED_UP}): a row is deleted only once its deadline, too, lies more than the minimum retention
 * back, and the fence answers so exactly for such deadlines. Messages name every setting by its property key.
 */
public final class Timing {

    public static final String LONGEST_TRANSACTION_KEY = "tcc.max-timeout";
    public static final String CLOCK_SKEW_MARGIN_KEY = "tcc.fence.clock-skew-margin";
    public static final String RECOVERY_MARGIN_KEY = "tcc.recovery-margin";
    public static final String RETENTION_KEY = "tcc.recovery.cleanup.retention";

    /** Which rows a retention is for. */
    public enum Rows { FENCE, GLOBAL_LOG, BOTH }

    private static final Timing DEFAULTS = new Builder().build();

    private final Duration longestTransaction;
    private final Duration clockSkewMargin;
    private final Duration recoveryMargin;
    private final Clock clock;

    private Timing(Builder b) {
        this.longestTransaction = b.longestTransaction;
        this.clockSkewMargin = b.clockSkewMargin;
        this.recoveryMargin = b.recoveryMargin;
        this.clock = b.clock;
    }

    /** 10 minutes, 1 minute, 30 seconds, the system clock in UTC. */
    public static Timing ofDefaults() {
        return DEFAULTS;
    }

    public static Builder custom() {
        return new Builder();
    }

    public static Builder from(Timing timing) {
        return new Builder().longestTransaction(timing.longestTransaction).clockSkewMargin(timing.clockSkewMargin)
                .recoveryMargin(timing.recoveryMargin).clock(timing.clock);
    }

    /** {@value #LONGEST_TRANSACTION_KEY}: the longest timeout any initiator may give a transaction. */
    public Duration longestTransaction() {
        return longestTransaction;
    }

    /** {@value #CLOCK_SKEW_MARGIN_KEY}: how far the clocks of initiator, participant and database may drift apart. */
    public Duration clockSkewMargin() {
        return clockSkewMargin;
    }

    /** {@value #RECOVERY_MARGIN_KEY}: how long past its deadline a TRYING transaction waits before recovery cancels it. */
    public Duration recoveryMargin() {
        return recoveryMargin;
    }

    /** This process's clock: deadlines are set and checked against it. */
    public Clock clock() {
        return clock;
    }

    /** The shortest retention cleanup may use for {@code rows}. */
    public Duration minimumRetention(Rows rows) {
        Duration fence = longestTransaction.plus(clockSkewMargin.multipliedBy(2));
        Duration log = longestTransaction.plus(recoveryMargin);
        return switch (rows) {
            case FENCE -> fence;
            case GLOBAL_LOG -> log;
            case BOTH -> fence.compareTo(log) >= 0 ? fence : log;
        };
    }

    /**
     * @throws IllegalArgumentException naming every setting that makes up the minimum, by property key and value
     */
    public void requireRetention(Duration retention, Rows rows) {
        Objects.requireNonNull(retention, RETENTION_KEY);
        Duration minimum = minimumRetention(rows);
        if (retention.compareTo(minimum) < 0) {
            throw new IllegalArgumentException(RETENTION_KEY + " " + retention + " is shorter than the minimum retention "
                    + minimum + ": " + explain(rows) + ". Raise " + RETENTION_KEY + " to at least " + minimum + " (or"
                    + " lower " + LONGEST_TRANSACTION_KEY + "); a shorter one would let a late try for a deleted row be"
                    + " accepted again");
        }
    }

    private String explain(Rows rows) {
        List<String> parts = new ArrayList<>();
        String longest = LONGEST_TRANSACTION_KEY + " " + longestTransaction;
        if (rows != Rows.GLOBAL_LOG) {
            parts.add("fence rows need " + longest + " + 2 x " + CLOCK_SKEW_MARGIN_KEY + " " + clockSkewMargin + " = "
                    + minimumRetention(Rows.FENCE));
        }
        if (rows != Rows.FENCE) {
            parts.add("global log rows need " + longest + " + " + RECOVERY_MARGIN_KEY + " " + recoveryMargin + " = "
                    + minimumRetention(Rows.GLOBAL_LOG));
        }
        return String.join("; ", parts);
    }

    @Override
    public String toString() {
        return LONGEST_TRANSACTION_KEY + "=" + longestTransaction + ", " + CLOCK_SKEW_MARGIN_KEY + "=" + clockSkewMargin
                + ", " + RECOVERY_MARGIN_KEY + "=" + recoveryMargin;
    }

    public static final class Builder {
        private Duration longestTransaction = Duration.ofMinutes(10);
        private Duration clockSkewMargin = Duration.ofMinutes(1);
        private Duration recoveryMargin = Duration.ofSeconds(30);
        private Clock clock = Clock.systemUTC();

        private Builder() {
        }

        public Builder longestTransaction(Duration longestTransaction) {
            this.longestTransaction = Settings.positive(LONGEST_TRANSACTION_KEY, longestTransaction);
            return this;
        }

        /** Zero or positive. */
        public Builder clockSkewMargin(Duration clockSkewMargin) {
            this.clockSkewMargin = Settings.notNegative(CLOCK_SKEW_MARGIN_KEY, clockSkewMargin);
            return this;
        }

        public Builder recoveryMargin(Duration recoveryMargin) {
            this.recoveryMargin = Settings.positive(RECOVERY_MARGIN_KEY, recoveryMargin);
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        public Timing build() {
            return new Timing(this);
        }
    }
}
