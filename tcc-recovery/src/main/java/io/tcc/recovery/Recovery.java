package io.tcc.recovery;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntFunction;
import java.util.stream.Collectors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import io.github.resilience4j.core.IntervalFunction;
import io.tcc.context.TransactionContext;
import io.tcc.global.BranchRecord;
import io.tcc.global.BranchState;
import io.tcc.global.GlobalRecord;
import io.tcc.global.GlobalState;
import io.tcc.global.LogStore;
import io.tcc.global.PhaseTwo;
import io.tcc.global.UnreachableBranchException;

/**
 * One daemon's work: find the transactions that are due, claim each (so no other daemon drives it at the same time),
 * drive it with the initiator's own code, and back off or flag it. A TRYING transaction is due only once its deadline
 * plus the recovery margin passed, and is then decided CANCEL first. Only definite results change state. A claim lasts
 * the lease; a pass starts no drive after half of it, and a node that dies leaves its claims due when the lease ends.
 *
 * <p>The cost of a pass follows what is due, not the size of the log: the scan is an index range with a limit.
 */
public final class Recovery {

    private static final Logger log = LoggerFactory.getLogger(Recovery.class);

    /** What one pass did. */
    public record Pass(int due, int claimed, int finished, int postponed, int flagged) {
    }

    private final LogStore store;
    private final PhaseTwo phaseTwo;
    private final RecoveryConfig config;
    private final RecoveryListener listener;
    private final Clock clock;
    private final IntFunction<Duration> backoff;

    /**
     * @param store    the initiator's log: what is due, what each transaction's branches last answered, the flags
     * @param phaseTwo the initiator's own phase two, which drives each claimed transaction
     */
    public Recovery(LogStore store, PhaseTwo phaseTwo, RecoveryConfig config, RecoveryListener listener) {
        this(store, phaseTwo, config, listener, Clock.systemUTC());
    }

    /** Like the other constructor, timing each pass's half lease by {@code clock} (a test moves it, not waits). */
    public Recovery(LogStore store, PhaseTwo phaseTwo, RecoveryConfig config, RecoveryListener listener, Clock clock) {
        this.store = Objects.requireNonNull(store, "store");
        this.phaseTwo = Objects.requireNonNull(phaseTwo, "phaseTwo");
        this.config = Objects.requireNonNull(config, "config");
        this.listener = Objects.requireNonNull(listener, "listener");
        this.clock = Objects.requireNonNull(clock, "clock");
        IntervalFunction interval = IntervalFunction.ofExponentialRandomBackoff(config.initialBackoff(), 2.0, 0.5,
                config.maxBackoff());
        this.backoff = attempt -> Duration.ofMillis(interval.apply(attempt));
    }

    public RecoveryConfig config() {
        return config;
    }

    /** Claims and drives up to one batch of due transactions. */
    public Pass runOnce() {
        // one commit claims the batch; rows another daemon holds are skipped, not waited for
        List<String> due;
        try {
            due = store.claimDue(config.batchSize(), config.lease());
        } catch (RuntimeException e) {
            // a lost lock conflict or an unreachable log: nothing was claimed, everything stays due for the next pass
            log.warn("recovery could not claim due transactions this pass ({}); the next pass tries again", e.toString());
            return new Pass(0, 0, 0, 0, 0);
        }
        // a claim hides a transaction only for the lease: start no drive after half of it, so none outlives its claim
        Instant startBy = clock.instant().plus(config.lease().dividedBy(2));
        Map<Result, Long> results = driveAll(due, startBy);
        int left = count(results, Result.LEFT);
        if (left > 0) {
            log.warn("{} claimed transactions were not started within half the lease ({}); they are due again when it"
                    + " ends. Lower tcc.recovery.batch-size or raise tcc.recovery.workers or tcc.recovery.lease", left,
                    config.lease());
        }
        return new Pass(due.size(), due.size(), count(results, Result.FINISHED), count(results, Result.POSTPONED) + left,
                count(results, Result.FLAGGED));
    }

    /** Drives the claimed transactions, {@code workers} at a time: each waits mostly on its participants' answers. */
    private Map<Result, Long> driveAll(List<String> xids, Instant startBy) {
        if (config.workers() == 1 || xids.size() < 2) {
            return xids.stream().collect(Collectors.groupingBy(xid -> driveLogged(xid, startBy), Collectors.counting()));
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(config.workers(), xids.size()));
        try {
            List<Future<Result>> running = xids.stream().map(xid -> pool.submit(() -> driveLogged(xid, startBy))).toList();
            Map<Result, Long> results = new EnumMap<>(Result.class);
            for (Future<Result> result : running) {
                results.merge(awaitResult(result), 1L, Long::sum);
            }
            return results;
        } finally {
            pool.shutdown();
        }
    }

    private static Result awaitResult(Future<Result> result) {
        try {
            return result.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Result.POSTPONED; // its lease runs out and it is due again
        } catch (ExecutionException e) {
            log.warn("a recovery worker failed ({}); its transaction is due again when its lease ends", e.getCause().toString());
            return Result.POSTPONED;
        }
    }

    private static int count(Map<Result, Long> results, Result result) {
        return results.getOrDefault(result, 0L).intValue();
    }

    private Result driveLogged(String xid, Instant startBy) {
        if (clock.instant().isAfter(startBy)) {
            return Result.LEFT;
        }
        try (MDC.MDCCloseable ignored = MDC.putCloseable(TransactionContext.MDC_KEY, xid)) {
            return drive(xid);
        }
    }

    /** LEFT: claimed but not started in time; due again when the claim's lease ends. */
    private enum Result { FINISHED, POSTPONED, FLAGGED, LEFT }

    private Result drive(String xid) {
        GlobalState state;
        try {
            state = phaseTwo.resume(xid, backoff).orElse(GlobalState.CANCELLED);
        } catch (RuntimeException e) {
            // the log itself failed: the claim's lease runs out and the transaction is due again
            log.warn("recovery of {} failed ({}); it is due again when its lease ends", xid, e.toString());
            return Result.POSTPONED;
        }
        if (state.isFinished()) {
            listener.onFinished(xid, state);
            return Result.FINISHED;
        }
        Optional<GlobalRecord> record = store.find(xid);
        int attempts = record.map(GlobalRecord::attempts).orElse(0);
        List<BranchRecord> pending = store.branches(xid).stream()
                .filter(b -> b.state() == BranchState.REGISTERED).toList();
        // a branch no endpoint serves stays unreachable until a setting changes: backing off would only hide it
        boolean unreachable = pending.stream().anyMatch(b -> UnreachableBranchException.isRecordedIn(b.lastOutcome()));
        if (attempts < config.maxAttempts() && !unreachable) {
            listener.onPostponed(xid, state, attempts);
            return Result.POSTPONED;
        }
        String reason = lastOutcomes(pending);
        if (store.flag(xid, state, reason)) {
            log.error("{} is flagged for an operator after {} attempts, still {}: {}. {}", xid, attempts, state, reason,
                    unreachable ? "A branch cannot be reached as configured: fix the setting named here, then retry it"
                            : "Check the participants named here, then retry it or resolve it by hand");
            listener.onFlagged(xid, state, attempts, reason);
        }
        return Result.FLAGGED;
    }

    private static String lastOutcomes(List<BranchRecord> pending) {
        if (pending.isEmpty()) {
            return "no branch is pending, but the transaction did not finish";
        }
        return pending.stream().map(b -> "branch " + b.branchId() + " (" + b.participant() + " " + b.action() + "): "
                + (b.lastOutcome() == null ? "no answer recorded" : b.lastOutcome())).collect(Collectors.joining("; "));
    }
}
