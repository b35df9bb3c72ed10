package io.tcc.recovery;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.tcc.fence.FenceCounters;
import io.tcc.global.GlobalState;
import io.tcc.global.LogStore;
import io.tcc.global.PendingStats;

/**
 * Micrometer meters for the framework:
 * <ul>
 * <li>{@code tcc.transactions.pending{state}}, {@code tcc.transactions.flagged},
 *     {@code tcc.transactions.oldest.pending.age} (seconds): from the log, unfinished rows only, cached briefly;</li>
 * <li>{@code tcc.recovery.attempts{result}}: this node's recovery attempts, one per pass over a transaction, by what
 *     came of it (FINISHED, POSTPONED, FLAGGED); each attempt sends each pending remote branch up to
 *     {@code tcc.http.remote.phase-two-calls} HTTP calls, counted in {@code tcc.http.calls};</li>
 * <li>{@code tcc.recovery.finished{state}}, {@code tcc.recovery.attempts.failed} (= attempts POSTPONED),
 *     {@code tcc.recovery.flagged}: the same, as first published (register this as recovery's {@link RecoveryListener});</li>
 * <li>{@code tcc.fence.empty.rollbacks}, {@code tcc.fence.tries.refused{reason}}: this service's fence.</li>
 * </ul>
 */
public final class TccMetrics implements MeterBinder, RecoveryListener {

    private static final Duration CACHE = Duration.ofSeconds(5);

    private final LogStore store;
    private final FenceCounters fence;
    private final Clock clock;
    private Map<GlobalState, PendingStats> snapshot = Map.of();
    private Instant snapshotAt = Instant.EPOCH;
    private MeterRegistry registry;

    /**
     * @param store the initiator's log, read for the pending gauges, or null in a service that is only a participant
     * @param fence this service's fence counters, or null when it has no fence
     */
    public TccMetrics(LogStore store, FenceCounters fence) {
        this(store, fence, Clock.systemUTC());
    }

    /** Like the other constructor, ageing the gauges' snapshot and the oldest pending transaction by {@code clock}. */
    public TccMetrics(LogStore store, FenceCounters fence, Clock clock) {
        this.store = store;
        this.fence = fence;
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        this.registry = registry;
        if (store != null) {
            for (GlobalState state : new GlobalState[] {GlobalState.TRYING, GlobalState.CONFIRMING, GlobalState.CANCELLING}) {
                Gauge.builder("tcc.transactions.pending", this, m -> m.stats().getOrDefault(state, empty(state)).count())
                        .tag("state", state.name()).description("unfinished global transactions, by state").register(registry);
            }
            Gauge.builder("tcc.transactions.flagged", this,
                            m -> m.stats().values().stream().mapToLong(PendingStats::flagged).sum())
                    .description("transactions waiting for an operator").register(registry);
            Gauge.builder("tcc.transactions.oldest.pending.age", this, TccMetrics::oldestPendingAgeSeconds)
                    .baseUnit("seconds").description("age of the oldest unfinished transaction").register(registry);
        }
        if (fence != null) {
            FunctionCounter.builder("tcc.fence.empty.rollbacks", fence, FenceCounters::emptyCancels)
                    .description("cancels that found no try").register(registry);
            FunctionCounter.builder("tcc.fence.tries.refused", fence, FenceCounters::suspensionsRefused)
                    .tag("reason", "SUSPENDED").description("tries refused").register(registry);
            FunctionCounter.builder("tcc.fence.tries.refused", fence, FenceCounters::lateTriesRefused)
                    .tag("reason", "DEADLINE_PASSED").description("tries refused").register(registry);
            FunctionCounter.builder("tcc.fence.cleaned.up.repeats", fence, FenceCounters::cleanedUpRepeats)
                    .description("confirms and cancels answered as finished because cleanup had removed their row")
                    .register(registry);
        }
    }

    private static PendingStats empty(GlobalState state) {
        return new PendingStats(state, 0, 0, null);
    }

    private double oldestPendingAgeSeconds() {
        return stats().values().stream().map(PendingStats::oldestCreatedAt).filter(Objects::nonNull)
                .min(Instant::compareTo).map(oldest -> Duration.between(oldest, clock.instant()).toMillis() / 1000.0)
                .orElse(0.0);
    }

    private synchronized Map<GlobalState, PendingStats> stats() {
        if (Duration.between(snapshotAt, clock.instant()).compareTo(CACHE) > 0) {
            List<PendingStats> fresh = store.pendingStats();
            Map<GlobalState, PendingStats> byState = new EnumMap<>(GlobalState.class);
            fresh.forEach(s -> byState.put(s.state(), s));
            snapshot = byState;
            snapshotAt = clock.instant();
        }
        return snapshot;
    }

    private Counter counter(String name, String... tags) {
        return registry == null ? null : Counter.builder(name).tags(tags).register(registry);
    }

    @Override
    public void onFinished(String xid, GlobalState state) {
        increment(counter("tcc.recovery.attempts", "result", "FINISHED"));
        increment(counter("tcc.recovery.finished", "state", state.name()));
    }

    @Override
    public void onPostponed(String xid, GlobalState state, int attempts) {
        increment(counter("tcc.recovery.attempts", "result", "POSTPONED"));
        increment(counter("tcc.recovery.attempts.failed"));
    }

    @Override
    public void onFlagged(String xid, GlobalState state, int attempts, String reason) {
        increment(counter("tcc.recovery.attempts", "result", "FLAGGED"));
        increment(counter("tcc.recovery.flagged"));
    }

    private static void increment(Counter counter) {
        if (counter != null) {
            counter.increment();
        }
    }
}
