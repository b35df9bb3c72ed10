package io.tcc;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The deployment's one timing rule for cleanup: how long finished rows must be kept so that cleanup can never re-open
 * a branch. Fence rows must outlive the longest transaction plus two clock-skew margins (initiator to participant,
 * participant to its database), so a try arriving for a deleted row is refused by its deadline. Global log rows must
 * outlive the longest transaction plus recovery's margin. The minimum retention is the larger of the parts that apply,
 * and a refusal names every setting by its property key, with its value.
 *
 * <p>Whatever cleanup removed, a late repeat of its confirm or cancel is answered as finished
 * ({@code FenceOutcome.CLEANED_UP}): a row is deleted only once its deadline, too, lies more than the minimum retention
 * back, and the fence answers so exactly for such deadlines. The fence check and the cleanup's age test both read the
 * participant database's clock.
 *
 * @param longestTransaction {@value #LONGEST_TRANSACTION_KEY}: the longest timeout any initiator may give a transaction
 * @param clockSkewMargin    {@value #CLOCK_SKEW_MARGIN_KEY}, or null where there is no fence
 * @param recoveryMargin     {@value #RECOVERY_MARGIN_KEY}, or null where there is no global log
 */
public record RetentionRule(Duration longestTransaction, Duration clockSkewMargin, Duration recoveryMargin) {

    public static final String LONGEST_TRANSACTION_KEY = "tcc.max-timeout";
    public static final String CLOCK_SKEW_MARGIN_KEY = "tcc.fence.clock-skew-margin";
    public static final String RECOVERY_MARGIN_KEY = "tcc.recovery-margin";
    public static final String RETENTION_KEY = "tcc.recovery.cleanup.retention";

    public RetentionRule {
        Objects.requireNonNull(longestTransaction, "longestTransaction");
        if (clockSkewMargin == null && recoveryMargin == null) {
            throw new IllegalArgumentException("a retention rule needs the clock-skew margin, the recovery margin or both");
        }
    }

    /** The rule of a participant's fence alone. */
    public static RetentionRule forFence(Duration longestTransaction, Duration clockSkewMargin) {
        return new RetentionRule(longestTransaction, Objects.requireNonNull(clockSkewMargin, "clockSkewMargin"), null);
    }

    /** The rule of an initiator's global log alone. */
    public static RetentionRule forGlobalLog(Duration longestTransaction, Duration recoveryMargin) {
        return new RetentionRule(longestTransaction, null, Objects.requireNonNull(recoveryMargin, "recoveryMargin"));
    }

    /** Both rules at once, for a service that cleans its fence and its global log with one retention. */
    public RetentionRule and(RetentionRule other) {
        return new RetentionRule(max(longestTransaction, other.longestTransaction),
                max(clockSkewMargin, other.clockSkewMargin), max(recoveryMargin, other.recoveryMargin));
    }

    /** Fence rows: the longest transaction plus two clock-skew margins; null without a fence. */
    public Duration fenceMinimum() {
        return clockSkewMargin == null ? null : longestTransaction.plus(clockSkewMargin.multipliedBy(2));
    }

    /** Global log rows: the longest transaction plus the recovery margin; null without a global log. */
    public Duration globalLogMinimum() {
        return recoveryMargin == null ? null : longestTransaction.plus(recoveryMargin);
    }

    /** The shortest retention cleanup accepts: the larger of the parts that apply. */
    public Duration minimumRetention() {
        return max(fenceMinimum(), globalLogMinimum());
    }

    /**
     * @throws IllegalArgumentException naming every setting of the rule, by property key and value, and which part
     *                                  drove the minimum
     */
    public void requireRetention(Duration retention) {
        Objects.requireNonNull(retention, RETENTION_KEY);
        if (retention.compareTo(minimumRetention()) < 0) {
            throw new IllegalArgumentException(RETENTION_KEY + " " + retention + " is shorter than the minimum retention "
                    + minimumRetention() + ": " + explain() + ". Raise " + RETENTION_KEY + " to at least "
                    + minimumRetention() + " (or lower " + LONGEST_TRANSACTION_KEY + "); a shorter one would let a late"
                    + " try for a deleted row be accepted again");
        }
    }

    /** How the minimum is made up, naming each setting by property key with its value. */
    public String explain() {
        List<String> parts = new ArrayList<>();
        String longest = LONGEST_TRANSACTION_KEY + " " + longestTransaction;
        boolean fenceDrives = fenceMinimum() != null && fenceMinimum().equals(minimumRetention());
        if (fenceMinimum() != null) {
            parts.add("fence rows need " + longest + " + 2 x " + CLOCK_SKEW_MARGIN_KEY + " " + clockSkewMargin + " = "
                    + fenceMinimum() + (fenceDrives ? " (this part drives it)" : ""));
        }
        if (globalLogMinimum() != null) {
            parts.add("global log rows need " + longest + " + " + RECOVERY_MARGIN_KEY + " " + recoveryMargin + " = "
                    + globalLogMinimum() + (fenceDrives ? "" : " (this part drives it)"));
        }
        return String.join("; ", parts);
    }

    private static Duration max(Duration a, Duration b) {
        if (a == null) {
            return b;
        }
        return b == null || a.compareTo(b) >= 0 ? a : b;
    }
}
