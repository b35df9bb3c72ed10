package io.tcc.global;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.micrometer.observation.Observation;
import io.tcc.fence.FencePhase;
import io.tcc.participant.LocalParticipant;

/**
 * The initiator's decision and what follows it: the decision committed (with every local branch's phase two when they
 * share the log's commits), then phase two driven here and now, or handed to the pool.
 */
final class Decider {

    private static final Logger log = LoggerFactory.getLogger(Decider.class);

    /** How far {@link #finish} took a transaction: the decision, and phase two's result or its pending completion. */
    record Finished(GlobalState decision, GlobalState state, GlobalRecord decidedFirst,
                    CompletableFuture<GlobalState> completion) {
        static Finished now(GlobalState decision, GlobalState state, GlobalRecord decidedFirst) {
            return new Finished(decision, state, decidedFirst, CompletableFuture.completedFuture(state));
        }
    }

    private final LogStore store;
    private final PhaseTwo phaseTwo;
    private final PhaseTwoPool pool;
    private final LocalParticipant local;
    private final boolean localSharesCommits;
    private final CrashPoints crashPoints;
    private final CoordinatorObservations observations;

    Decider(LogStore store, PhaseTwo phaseTwo, PhaseTwoPool pool, LocalParticipant local, boolean localSharesCommits,
            CrashPoints crashPoints, CoordinatorObservations observations) {
        this.store = store;
        this.phaseTwo = phaseTwo;
        this.pool = pool;
        this.local = local;
        this.localSharesCommits = localSharesCommits;
        this.crashPoints = crashPoints;
        this.observations = observations;
    }

    /**
     * Decides (unless another party decided first, which then wins) and drives phase two as far as it goes now, or
     * hands it to the pool when {@code async}. With a local branch sharing the log's commits, its phase two commits
     * with the decision either way: that is the decision's own commit, which the caller waits for in both modes.
     */
    Finished finish(ActiveTransaction tx, GlobalState wanted, String reason, boolean async) {
        List<BranchRecord> branches = tx.branches();
        if (branches.isEmpty()) {
            // nothing was registered, nothing to log or undo
            return Finished.now(wanted, wanted.finalState(), null);
        }
        if (reason != null) {
            log.info("cancelling {}: {}", tx.xid(), reason);
        }
        Decided decided = observations.decision(() -> new DecisionObservationContext(tx.xid(), wanted,
                BranchObservationContext.Driver.CALLER), () -> decide(tx, wanted, branches), Decided::state);
        if (decided.pending().isEmpty()) {
            return Finished.now(wanted, wanted.finalState(), null);
        }
        crashPoints.reached(CrashPoints.Point.AFTER_DECISION, tx.xid());
        return phaseTwo(tx, decided.state(), decided.decidedFirst(), decided.pending(), async);
    }

    /** A durable decision, the other party's row when it decided first, and the branches left for phase two. */
    private record Decided(GlobalState state, GlobalRecord decidedFirst, List<BranchRecord> pending) {
    }

    /**
     * The decision written: with every local branch's phase two in its commit when they share the log's commits, else
     * on its own (a local step that failed inside the shared commit is then retried as phase two).
     */
    private Decided decide(ActiveTransaction tx, GlobalState wanted, List<BranchRecord> branches) {
        if (localSharesCommits) {
            List<BranchRecord> locals = branches.stream().filter(b -> LocalParticipant.NAME.equals(b.participant())).toList();
            List<BranchRecord> others = branches.stream().filter(b -> !LocalParticipant.NAME.equals(b.participant())).toList();
            if (!locals.isEmpty() && decideWithLocalBranches(tx, wanted, locals, others.isEmpty())) {
                return new Decided(wanted, null, others);
            }
        }
        LogStore.Decision decision = store.decide(tx.xid(), wanted);
        return new Decided(decision.state(), decision.decidedFirst(), branches);
    }

    /** Phase two of a durable decision: here and now, or on the pool. */
    private Finished phaseTwo(ActiveTransaction tx, GlobalState decided, GlobalRecord decidedFirst,
                              List<BranchRecord> branches, boolean async) {
        if (!async) {
            return Finished.now(decided, phaseTwo.drive(tx.xid(), decided, tx.deadline(), branches,
                    BranchObservationContext.Driver.CALLER, tx.observation()), decidedFirst);
        }
        CompletableFuture<GlobalState> completion = pool.submit(tx.xid(), decided,
                () -> phaseTwo.drive(tx.xid(), decided, tx.deadline(), branches, BranchObservationContext.Driver.POOL,
                        tx.observation()));
        // done already when the pool was full and this thread ran it
        return new Finished(decided, completion.getNow(decided), decidedFirst, completion);
    }

    /**
     * The decision and every local branch's phase two in one commit (and the final state, when there is no other
     * branch). False when any step failed (a business exception, a lock-wait timeout) or someone else decided first:
     * then nothing of it committed, and the caller commits the same decision on its own. Each local step is observed as
     * a {@code tcc.branch} call that ends with the commit: it succeeded only if the commit did.
     */
    private boolean decideWithLocalBranches(ActiveTransaction tx, GlobalState wanted, List<BranchRecord> locals,
                                            boolean finishToo) {
        List<Observation> steps = new ArrayList<>();
        FencePhase phase = PhaseTwo.phase(wanted);
        try {
            boolean decided = store.inShared(c -> {
                if (!store.sql().decide(c, tx.xid(), wanted, store.config().phaseTwoRetryDelay())) {
                    return false;
                }
                for (BranchRecord branch : locals) {
                    Observation step = observations.startBranch(() -> new BranchObservationContext(branch, phase,
                            BranchObservationContext.Driver.CALLER), tx.observation());
                    steps.add(step);
                    try (Observation.Scope ignored = step.openScope()) {
                        PhaseTwo.send(local, branch, wanted, tx.deadline());
                    }
                    store.sql().moveBranch(c, tx.xid(), branch.branchId(), BranchState.REGISTERED,
                            BranchState.after(wanted), "OK");
                }
                if (finishToo) {
                    store.sql().finish(c, tx.xid(), wanted);
                }
                return true;
            });
            steps.forEach(Observation::stop);
            return decided;
        } catch (CrashPoints.SimulatedCrash crash) {
            steps.forEach(step -> step.error(crash).stop());
            throw crash;
        } catch (Throwable failure) {
            steps.forEach(step -> step.error(failure).stop());
            log.warn("phase two of {} failed inside the commit of its decision {}, so neither is durable; committing the"
                    + " same decision on its own and retrying the failed step as phase two: {}", tx.xid(), wanted,
                    failure.toString());
            return false;
        }
    }
}
