package io.tcc.global;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.IntFunction;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.micrometer.observation.Observation;
import io.tcc.fence.FencePhase;
import io.tcc.participant.Participant;
import io.tcc.participant.PendingBranch;

/**
 * Phase two: confirms or cancels every pending branch of a decided transaction, finishes it when all are done, and
 * schedules its next attempt otherwise. The initiator drives it right after deciding; recovery resumes it from the log
 * alone. Only a definite success moves a branch.
 */
public final class PhaseTwo {

    private static final Logger log = LoggerFactory.getLogger(PhaseTwo.class);

    private final LogStore store;
    private final ParticipantDirectory participants;
    private final boolean localSharesCommits;
    private final CrashPoints crashPoints;
    private final Clock clock;
    private final CoordinatorObservations observations;

    PhaseTwo(LogStore store, ParticipantDirectory participants, boolean localSharesCommits, CrashPoints crashPoints,
             Clock clock, CoordinatorObservations observations) {
        this.store = Objects.requireNonNull(store, "store");
        this.participants = Objects.requireNonNull(participants, "participants");
        this.localSharesCommits = localSharesCommits;
        this.crashPoints = Objects.requireNonNull(crashPoints, "crashPoints");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.observations = Objects.requireNonNull(observations, "observations");
    }

    /**
     * Resumes one transaction from what the log holds now: a decided one through its phase two; a TRYING one past its
     * deadline plus the recovery margin is first decided CANCEL. A failed attempt is scheduled after
     * {@code backoff.apply(attempts so far)}.
     *
     * @return the transaction's state afterwards, or empty when the log has no such transaction
     */
    public Optional<GlobalState> resume(String xid, IntFunction<Duration> backoff) {
        Optional<GlobalRecord> found = store.find(xid);
        if (found.isEmpty()) {
            return Optional.empty();
        }
        GlobalRecord tx = found.get();
        GlobalState state = tx.state();
        if (state == GlobalState.TRYING) {
            if (clock.instant().isBefore(tx.deadline().plus(store.config().timing().recoveryMargin()))) {
                return Optional.of(state); // its initiator may still be running it
            }
            state = decideCancel(xid);
        }
        return Optional.of(drive(xid, state, tx.deadline(), store.branches(xid), backoff.apply(tx.attempts() + 1),
                BranchObservationContext.Driver.RECOVERY, null));
    }

    /** Like {@link #resume(String, IntFunction)}, a failed attempt scheduled after {@code tcc.phase-two-retry-delay}. */
    public Optional<GlobalState> resume(String xid) {
        return resume(xid, attempts -> store.config().phaseTwoRetryDelay());
    }

    /**
     * Decides CANCEL for a TRYING transaction now (an operator's call, whatever the deadline); the winner is returned.
     *
     * @throws GlobalTransactionMissingException the log holds no such transaction
     */
    public GlobalState decideCancel(String xid) {
        return observations.decision(() -> new DecisionObservationContext(xid, GlobalState.CANCELLING,
                BranchObservationContext.Driver.RECOVERY), () -> store.decide(xid, GlobalState.CANCELLING),
                LogStore.Decision::state).state();
    }

    /**
     * Drives the given branches of a decided transaction; see the class comment.
     *
     * @param transaction the transaction's observation, the parent of each branch call's when none is current here
     */
    GlobalState drive(String xid, GlobalState decided, Instant deadline, List<BranchRecord> branches,
                      BranchObservationContext.Driver driver, Observation transaction) {
        return drive(xid, decided, deadline, branches, store.config().phaseTwoRetryDelay(), driver, transaction);
    }

    private GlobalState drive(String xid, GlobalState decided, Instant deadline, List<BranchRecord> branches,
                              Duration retryDelay, BranchObservationContext.Driver driver, Observation transaction) {
        if (!decided.isDecided()) {
            throw new IllegalTransitionException("global transaction " + xid, decided, GlobalState.CONFIRMED);
        }
        if (decided.isFinished()) {
            return decided;
        }
        BranchState target = BranchState.after(decided);
        FencePhase phase = phase(decided);
        List<BranchRecord> pending = branches.stream().filter(b -> b.state() == BranchState.REGISTERED).toList();
        boolean allDone = true;
        boolean finished = false;
        int done = 0;
        for (int i = 0; i < pending.size(); i++) {
            BranchRecord branch = pending.get(i);
            // the last branch's update carries the transaction's final state when every branch before it succeeded
            boolean finishWithIt = allDone && i == pending.size() - 1;
            try {
                finished = observations.branch(() -> new BranchObservationContext(branch, phase, driver), transaction,
                        () -> finish(branch, decided, deadline, target, finishWithIt));
                if (++done == 1) {
                    crashPoints.reached(CrashPoints.Point.AFTER_FIRST_PHASE_TWO, xid);
                }
            } catch (CrashPoints.SimulatedCrash crash) {
                throw crash;
            } catch (Throwable failure) {
                allDone = false;
                recordFailure(branch, decided, failure);
            }
        }
        try {
            if (allDone) {
                if (!finished && !store.inLog(c -> store.sql().finish(c, xid, decided))) {
                    // finished elsewhere, or a branch pending in the log that this process never knew it registered
                    log.info("{} stays {} until recovery finds no branch pending in the log", xid, decided);
                    return decided;
                }
                log.info("{} {}", xid, decided.finalState());
                return decided.finalState();
            }
            store.inLog(c -> store.sql().postpone(c, xid, decided, retryDelay));
        } catch (RuntimeException logFailure) {
            // the decision is durable: whoever asked is answered by it, and recovery finishes the rest when it is due
            log.warn("could not log how far phase two of {} got ({}); it stays {} and recovery drives it again",
                    xid, logFailure.toString(), decided);
        }
        return decided;
    }

    /** One branch's confirm or cancel, then its row; true when that commit also finished the transaction. */
    private boolean finish(BranchRecord branch, GlobalState decided, Instant deadline, BranchState target,
                           boolean finishWithIt) throws Throwable {
        String xid = branch.xid();
        Participant participant = participants.forBranch(branch);
        boolean sharedCommit = localSharesCommits && participant == participants.local();
        if (!sharedCommit) {
            send(participant, branch, decided, deadline);
            if (store.group().defersCompletions()) {
                store.group().defer(new GroupCommit.Completion(xid, branch.branchId(), target,
                        finishWithIt ? decided : null, System.nanoTime()));
                return finishWithIt;
            }
        }
        LogStore.Work<Boolean> logIt = c -> {
            if (sharedCommit) {
                send(participant, branch, decided, deadline);
            }
            store.sql().moveBranch(c, xid, branch.branchId(), BranchState.REGISTERED, target, "OK");
            return finishWithIt && store.sql().finish(c, xid, decided);
        };
        return sharedCommit ? store.inShared(logIt) : store.inLog(logIt);
    }

    private void recordFailure(BranchRecord branch, GlobalState decided, Throwable failure) {
        String outcome = (decided == GlobalState.CONFIRMING ? "confirm" : "cancel") + " failed: " + failure;
        log.warn("{} of branch {} ({} {}) of {}; it stays pending and is driven again", outcome,
                branch.branchId(), branch.participant(), branch.action(), branch.xid());
        try {
            store.inLog(c -> {
                store.sql().recordBranchOutcome(c, branch.xid(), branch.branchId(), outcome);
                return null;
            });
        } catch (RuntimeException logFailure) {
            log.warn("could not record the outcome of branch {} of {}: {}", branch.branchId(), branch.xid(),
                    logFailure.toString());
        }
    }

    /** The call phase two makes of each branch: confirm for a CONFIRMING transaction, cancel for a CANCELLING one. */
    static FencePhase phase(GlobalState decided) {
        return decided.finalState() == GlobalState.CONFIRMED ? FencePhase.CONFIRM : FencePhase.CANCEL;
    }

    /** The participant's confirm or cancel of one branch, as the decision says. */
    static void send(Participant participant, BranchRecord branch, GlobalState decided, Instant deadline)
            throws Throwable {
        PendingBranch pending = new PendingBranch(branch.key(), branch.action(), branch.endpoint(), deadline,
                branch.triedArgs());
        if (phase(decided) == FencePhase.CONFIRM) {
            participant.confirm(pending);
        } else {
            participant.cancel(pending);
        }
    }
}
