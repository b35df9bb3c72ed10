package io.tcc.recovery.boot;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;

import io.tcc.Settings;
import io.tcc.global.GlobalRecord;
import io.tcc.global.GlobalState;
import io.tcc.global.LogStore;
import io.tcc.global.PendingStats;
import io.tcc.recovery.ParticipantStates;

/**
 * {@code tccTransactions}: DOWN when the global log cannot be read (this service can neither start nor finish a
 * transaction); OUT_OF_SERVICE when something waits for longer than it should or for an operator (a transaction
 * undecided past its deadline plus the recovery margin, or decided but unfinished, for longer than the threshold; a
 * flagged transaction; a participant's open circuit breaker); UP otherwise. Not DOWN for those: restarting this service
 * would not finish them. The details name the stuck transactions' xids.
 */
final class TransactionsHealthIndicator implements HealthIndicator {

    private static final Logger log = LoggerFactory.getLogger(TransactionsHealthIndicator.class);
    private static final GlobalState[] UNFINISHED = {GlobalState.TRYING, GlobalState.CONFIRMING, GlobalState.CANCELLING};
    /** How many stuck transactions the details name. */
    private static final int NAMED = 10;

    private final LogStore store;
    private final ParticipantStates participants;
    private final Duration threshold;
    private final Clock clock;

    /** Ages by the log's own clock ({@code Timing.clock()}), the one its deadlines are set by. */
    TransactionsHealthIndicator(LogStore store, ParticipantStates participants, Duration threshold) {
        this.store = Objects.requireNonNull(store, "store");
        this.participants = Objects.requireNonNull(participants, "participants");
        this.threshold = Settings.positive(TccRecoveryProperties.HEALTH_THRESHOLD_KEY, threshold);
        this.clock = store.timing().clock();
    }

    @Override
    public Health health() {
        List<PendingStats> stats;
        List<String> stuck;
        try {
            stats = store.pendingStats();
            stuck = stuck(stats);
        } catch (RuntimeException e) {
            log.warn("health: the global log cannot be read: {}", e.toString());
            return Health.down().withDetail("reason", "the global log cannot be read (" + e.getClass().getSimpleName()
                    + "): transactions can neither start nor finish here; check the database and its tables"
                    + " (schema/<database>/global.sql), the service's log has the cause").build();
        }
        long flagged = stats.stream().mapToLong(PendingStats::flagged).sum();
        Instant oldest = stats.stream().map(PendingStats::oldestCreatedAt).filter(Objects::nonNull)
                .min(Instant::compareTo).orElse(null);
        List<String> open = participants.states().stream()
                .filter(s -> "OPEN".equals(s.circuitBreaker()) || "FORCED_OPEN".equals(s.circuitBreaker()))
                .map(ParticipantStates.State::participant).toList();

        List<String> reasons = new ArrayList<>();
        if (!stuck.isEmpty()) {
            reasons.add(stuck.size() + (stuck.size() == NAMED ? " or more" : "") + " transaction(s) unfinished for longer"
                    + " than " + TccRecoveryProperties.HEALTH_THRESHOLD_KEY + " (" + threshold + "): " + stuck);
        }
        if (flagged > 0) {
            reasons.add(flagged + " transaction(s) flagged for an operator: see /tcc/admin/ or GET"
                    + " /tcc/admin/transactions?flagged=true");
        }
        if (!open.isEmpty()) {
            reasons.add("circuit breaker OPEN for " + open + ": their calls are refused without being sent");
        }
        Health.Builder health = reasons.isEmpty() ? Health.up()
                : Health.status(Status.OUT_OF_SERVICE).withDetail("reason", String.join("; ", reasons));
        Map<String, Long> pending = new TreeMap<>();
        stats.forEach(s -> pending.put(s.state().name(), s.count()));
        return health.withDetail("pending", pending)
                .withDetail("flagged", flagged)
                .withDetail("oldestPendingAgeSeconds", oldest == null ? 0 : Duration.between(oldest, clock.instant()).toSeconds())
                .withDetail("pendingAgeThresholdSeconds", threshold.toSeconds())
                .withDetail("openCircuitBreakers", open)
                .build();
    }

    /**
     * The xids of transactions unfinished for longer than the threshold: decided ones by age, undecided ones only once
     * recovery should have decided them (past deadline plus margin), since a long transaction may still be trying.
     * Reads more than the statistics only when something is that old.
     */
    private List<String> stuck(List<PendingStats> stats) {
        Instant now = clock.instant();
        boolean anyOld = stats.stream().map(PendingStats::oldestCreatedAt).filter(Objects::nonNull)
                .anyMatch(created -> created.plus(threshold).isBefore(now));
        List<String> stuck = new ArrayList<>();
        if (!anyOld) {
            return stuck;
        }
        Duration margin = store.timing().recoveryMargin();
        for (GlobalState state : UNFINISHED) {
            for (GlobalRecord tx : store.list(state, false, threshold, NAMED)) {
                boolean due = state != GlobalState.TRYING || tx.deadline().plus(margin).isBefore(now);
                if (due && stuck.size() < NAMED) {
                    stuck.add(tx.xid());
                }
            }
        }
        return stuck;
    }
}
