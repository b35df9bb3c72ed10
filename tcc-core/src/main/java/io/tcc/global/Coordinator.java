package io.tcc.global;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.PlatformTransactionManager;

import io.micrometer.observation.Observation;
import io.tcc.BadInputException;
import io.tcc.Settings;
import io.tcc.Timing;
import io.tcc.annotation.PhaseTwoMode;
import io.tcc.context.TransactionContext;
import io.tcc.fence.BranchCallback;
import io.tcc.fence.BranchKey;
import io.tcc.fence.FencePhase;
import io.tcc.participant.ActionDescriptor;
import io.tcc.participant.InvalidActionException;
import io.tcc.participant.LocalParticipant;

/**
 * The initiator: starts global transactions, registers each branch in the global log before its try runs, decides
 * confirm or cancel durably, and drives phase two. It holds no database connection across a call to a participant.
 *
 * <p>When the local participant's fence uses the log's own DataSource, the log writes share its commits: a branch's
 * registration commits with the local try it registers, and the decision with the local confirm it orders. The
 * success path of one local branch then costs two commits; see {@code docs/global-transactions.md}.
 */
public final class Coordinator implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Coordinator.class);

    /** The size of {@code tcc_global.name}. */
    public static final int MAX_NAME_LENGTH = 256;

    /** The initiator's work inside a global transaction. */
    @FunctionalInterface
    public interface Body<T> {
        T run() throws Throwable;
    }

    /** Sends a registered branch's try to its participant; returns only on a definite success. */
    @FunctionalInterface
    public interface BranchTry<T> {
        T send(BranchKey key, Instant deadline) throws Throwable;
    }

    private final CoordinatorConfig config;
    private final LocalParticipant local;
    private final boolean localSharesCommits;
    private final CrashPoints crashPoints;
    private final Clock clock;
    private final LogStore store;
    private final ParticipantDirectory participants;
    private final PhaseTwo phaseTwo;
    private final Registration registration;
    private final PhaseTwoPool pool;
    private final Decider decider;
    private final CoordinatorObservations observations;

    /**
     * Deadlines are set by {@code config.timing().clock()}.
     *
     * @param local the participant inside this process, or null when it has none
     */
    public Coordinator(DataSource dataSource, PlatformTransactionManager transactionManager, CoordinatorConfig config,
                       LocalParticipant local) {
        this(dataSource, transactionManager, config, local, CrashPoints.NONE);
    }

    /** Like the other constructor, stopping at QA's {@code crashPoints} (see {@code docs/chaos.md}). */
    public Coordinator(DataSource dataSource, PlatformTransactionManager transactionManager, CoordinatorConfig config,
                       LocalParticipant local, CrashPoints crashPoints) {
        this(dataSource, transactionManager, config, local, crashPoints, CoordinatorObservations.NONE);
    }

    /**
     * Like the other constructors, observing each transaction and branch call through {@code observations}
     * ({@code tcc.transaction}, {@code tcc.branch}; see {@code docs/operations.md}).
     */
    public Coordinator(DataSource dataSource, PlatformTransactionManager transactionManager, CoordinatorConfig config,
                       LocalParticipant local, CrashPoints crashPoints, CoordinatorObservations observations) {
        this.observations = Objects.requireNonNull(observations, "observations");
        this.config = Objects.requireNonNull(config, "config");
        this.local = local;
        this.crashPoints = Objects.requireNonNull(crashPoints, "crashPoints");
        this.clock = config.timing().clock();
        this.store = new LogStore(dataSource, transactionManager, config);
        this.localSharesCommits = local != null && local.fence().dataSource() == dataSource
                && transactionManager instanceof DataSourceTransactionManager dstm && dstm.getDataSource() == dataSource;
        this.participants = new ParticipantDirectory(local);
        this.phaseTwo = new PhaseTwo(store, participants, localSharesCommits, crashPoints, clock, observations);
        this.registration = new Registration(store, clock);
        this.pool = new PhaseTwoPool(store, config);
        this.decider = new Decider(store, phaseTwo, pool, local, localSharesCommits, crashPoints, observations);
    }

    /**
     * Lets asynchronous phase twos finish for up to {@code tcc.phase-two.async.drain-timeout} (recovery finishes what
     * is left), then commits the log writes still waiting for a shared commit.
     */
    @Override
    public void close() {
        pool.close();
        store.close();
    }

    public CoordinatorConfig config() {
        return config;
    }

    /**
     * Where transactions, branch calls and decisions are observed: also the registry a remote participant's own HTTP
     * client reports its calls to, so that they nest under their branch calls and carry the trace onward.
     */
    public CoordinatorObservations observations() {
        return observations;
    }

    /** True when registrations and decisions share commits with local tries and confirms. */
    public boolean sharesCommitsWithLocalParticipant() {
        return localSharesCommits;
    }

    /**
     * Runs {@code body} as a global transaction, or inside the one already running on this thread. Returning normally
     * after every try answered a definite success confirms every branch it registered, even if the deadline has passed
     * since; a confirm that fails stays pending and is retried as a confirm. Throwing cancels them and rethrows the same
     * exception; should cancelling fail (the log unreachable, say), the failure is added to it as suppressed and
     * recovery cancels the transaction.
     *
     * @throws GlobalTransactionCancelledException when the body returned but the transaction is cancelled: a try failed
     *                                             and the body went on, or recovery or an operator decided CANCEL first
     * @throws GlobalLogException                  when the decision could not be written: nothing was confirmed, and
     *                                             recovery cancels the transaction after its deadline
     */
    public <T> T execute(String name, Duration timeout, Body<T> body) throws Throwable {
        return execute(name, timeout, PhaseTwoMode.SYNC, body);
    }

    /**
     * Like {@link #execute(String, Duration, Body)}, with phase two run as {@code mode} says unless a
     * {@link PhaseTwoChoice} bound on this thread says otherwise. {@link PhaseTwoMode#ASYNC}: the method returns (or
     * throws) as soon as the decision is durable, and phase two runs on the initiator's pool; see
     * {@link #awaitCompletion(String, Duration)}.
     */
    public <T> T execute(String name, Duration timeout, PhaseTwoMode mode, Body<T> body) throws Throwable {
        if (TransactionContext.current() != null) {
            return body.run(); // nested: join the running transaction
        }
        if (name != null && name.length() > MAX_NAME_LENGTH) {
            throw new BadInputException("transaction name is " + name.length() + " characters long; at most "
                    + MAX_NAME_LENGTH + " are logged");
        }
        Duration longest = config.timing().longestTransaction();
        if (timeout == null || timeout.isNegative() || timeout.isZero() || timeout.compareTo(longest) > 0) {
            throw new BadInputException("timeout " + timeout + " of " + name + " must be positive and at most "
                    + Timing.LONGEST_TRANSACTION_KEY + " " + longest);
        }
        PhaseTwoChoice choice = PhaseTwoChoice.onThisThread();
        PhaseTwoMode chosen = choice != null ? choice.mode() : Objects.requireNonNull(mode, "mode");
        boolean async = chosen == PhaseTwoMode.ASYNC;
        String xid = config.xidPrefix() + "-" + UUID.randomUUID();
        Observation observation = observations.startTransaction(() -> new TransactionObservationContext(xid, name, chosen));
        ActiveTransaction tx = new ActiveTransaction(xid, clock.instant().plus(timeout), name, observation);
        Decider.Finished finished = null;
        try (Observation.Scope observed = observation.openScope();
             TransactionContext.Scope ignored = TransactionContext.bind(tx)) {
            T result;
            try {
                result = body.run();
            } catch (CrashPoints.SimulatedCrash crash) {
                throw crash;
            } catch (Throwable failure) {
                finished = cancel(tx, "the initiator threw " + failure, failure, async, choice);
                throw failure;
            }
            crashPoints.reached(CrashPoints.Point.BEFORE_DECISION, tx.xid());
            if (tx.tryFailure() != null) {
                GlobalTransactionCancelledException cancelled = new GlobalTransactionCancelledException(tx.xid(), tx.tryFailure());
                finished = cancel(tx, tx.tryFailure(), cancelled, async, choice);
                throw cancelled;
            }
            // every try answered a definite success: confirm, even past the deadline (only a CANCEL decided first wins)
            finished = decider.finish(tx, GlobalState.CONFIRMING, null, async);
            tell(choice, tx, finished);
            if (finished.decision().finalState() != GlobalState.CONFIRMED) {
                throw new GlobalTransactionCancelledException(tx.xid(), cancelledFirst(tx, finished.decidedFirst()));
            }
            return result;
        } catch (Throwable failure) {
            observation.error(failure);
            throw failure;
        } finally {
            // the observation lasts until phase two is done here: at once when it ran, later on the pool
            if (finished == null) {
                CoordinatorObservations.stopTransaction(observation, null);
            } else {
                finished.completion().whenComplete((state, e) -> CoordinatorObservations.stopTransaction(observation, state));
            }
        }
    }

    /**
     * Waits up to {@code timeout} for a transaction to finish (its phase two done): on this process's own asynchronous
     * phase two when it runs here, otherwise by reading the global log (after a restart, or once recovery has it).
     *
     * @return its state when it finished or when the time was up (TRYING, or the decision while phase two is
     *         pending); empty when the log holds no such transaction (or it was cleaned up)
     */
    public Optional<GlobalState> awaitCompletion(String xid, Duration timeout) throws InterruptedException {
        return pool.await(xid, Settings.notNegative("timeout", timeout));
    }

    /** Asynchronous phase twos waiting for a thread of the pool. */
    public int phaseTwoQueued() {
        return pool.queued();
    }

    private static void tell(PhaseTwoChoice choice, ActiveTransaction tx, Decider.Finished finished) {
        if (choice != null) {
            choice.decided(new PhaseTwoChoice.Outcome(tx.xid(), finished.decision(), finished.state(),
                    finished.completion()));
        }
    }

    /**
     * Runs a local participant's try as a branch of the transaction on this thread: registers the branch durably, then
     * runs the try through the fence. Called by the {@code @Try} aspect.
     *
     * @throws NoGlobalTransactionException        no global transaction runs on this thread
     * @throws BranchRegistrationRefusedException the transaction is decided or past its deadline; the try did not run
     */
    public <T> T tryBranch(ActionDescriptor action, Object[] args, BranchCallback<T> business) throws Throwable {
        ActiveTransaction tx = ActiveTransaction.onThisThread();
        if (tx == null) {
            throw new NoGlobalTransactionException(action.action());
        }
        if (local == null) {
            throw new InvalidActionException(action + " is a @Try of this process, but its coordinator has no local"
                    + " participant: give the Coordinator the LocalParticipant (TCC's auto-configuration does)");
        }
        String branchId = tx.nextBranchId();
        // encoded before the try runs, as the fence records them: phase two carries this text, never the live objects
        String encoded = local.encode(action, args);
        BranchRecord branch = new BranchRecord(tx.xid(), branchId, LocalParticipant.NAME, action.action(), null,
                BranchState.REGISTERED, null, null, null, encoded);
        BranchKey key = branch.key();
        return observations.branch(() -> new BranchObservationContext(branch, FencePhase.TRY,
                BranchObservationContext.Driver.CALLER), tx.observation(), () -> {
            try {
                if (localSharesCommits) {
                    T result = registration.withLocalTry(tx, branch,
                            c -> local.tryBranch(action, key, tx.deadline(), encoded, business).value());
                    crashPoints.reached(CrashPoints.Point.AFTER_BRANCH_REGISTERED, tx.xid());
                    return result;
                }
                registration.alone(tx, branch);
                crashPoints.reached(CrashPoints.Point.AFTER_BRANCH_REGISTERED, tx.xid());
                return local.tryBranch(action, key, tx.deadline(), encoded, business).value();
            } catch (CrashPoints.SimulatedCrash crash) {
                throw crash;
            } catch (Throwable failure) {
                tx.tryFailed("the try of " + action.action() + " (branch " + branchId + ") failed: " + failure);
                throw failure;
            }
        });
    }

    /**
     * Runs a try in another process as a branch of the transaction on this thread: commits the branch row first (with
     * the participant's name and endpoint, all phase two and recovery will need), then sends the try. Any failure,
     * definite or unknown, leaves the transaction able only to cancel.
     *
     * @throws NoGlobalTransactionException        no global transaction runs on this thread
     * @throws BranchRegistrationRefusedException the transaction is decided or past its deadline; nothing was sent
     */
    public <T> T tryBranch(String participant, String action, String endpoint, BranchTry<T> send) throws Throwable {
        return tryBranch(participant, action, endpoint, null, send);
    }

    /**
     * Like {@link #tryBranch(String, String, String, BranchTry)}, keeping the try's arguments as sent for this
     * initiator's phase two to carry to the participant (recovery reads them from the participant's fence row).
     *
     * @param triedArgs the try's arguments exactly as {@code send} sends them, or null
     */
    public <T> T tryBranch(String participant, String action, String endpoint, String triedArgs, BranchTry<T> send)
            throws Throwable {
        ActiveTransaction tx = ActiveTransaction.onThisThread();
        if (tx == null) {
            throw new NoGlobalTransactionException(action);
        }
        BranchRecord branch = new BranchRecord(tx.xid(), tx.nextBranchId(), participant, action, endpoint,
                BranchState.REGISTERED, null, null, null, triedArgs);
        return observations.branch(() -> new BranchObservationContext(branch, FencePhase.TRY,
                BranchObservationContext.Driver.CALLER), tx.observation(), () -> {
            try {
                registration.alone(tx, branch);
                crashPoints.reached(CrashPoints.Point.AFTER_BRANCH_REGISTERED, tx.xid());
                return send.send(branch.key(), tx.deadline());
            } catch (CrashPoints.SimulatedCrash crash) {
                throw crash;
            } catch (Throwable failure) {
                tx.tryFailed("the try of " + participant + " " + action + " (branch " + branch.branchId() + ") failed: "
                        + failure);
                throw failure;
            }
        });
    }

    /**
     * Cancels after the body failed; {@code failure} is what the caller gets either way. When cancelling fails, the
     * failure to cancel rides on it as suppressed: the log keeps the transaction as it was, and recovery cancels it.
     *
     * @return how far it got, or null when cancelling failed
     */
    private Decider.Finished cancel(ActiveTransaction tx, String reason, Throwable failure, boolean async,
                                    PhaseTwoChoice choice) {
        try {
            Decider.Finished finished = decider.finish(tx, GlobalState.CANCELLING, reason, async);
            tell(choice, tx, finished);
            return finished;
        } catch (RuntimeException cancelFailure) {
            failure.addSuppressed(cancelFailure);
            log.warn("{} could not be cancelled ({}); recovery cancels it once it is due, a TRYING transaction after its"
                    + " deadline {} plus tcc.recovery-margin ({})", tx.xid(), cancelFailure.toString(), tx.deadline(),
                    config.timing().recoveryMargin());
            return null;
        }
    }

    /**
     * What the caller of a transaction whose every try succeeded is told when another party decided CANCEL first. The
     * log does not say which party: its operator_reason is written by an operator's resolve (even of a transaction
     * recovery had decided) and by recovery's flag alike, so it is quoted as the log's note, never as the decider.
     */
    private String cancelledFirst(ActiveTransaction tx, GlobalRecord winner) {
        String note = winner != null && winner.operatorReason() != null
                ? "; the log's operator note: " + winner.operatorReason() : "";
        return "every try succeeded, but recovery or an operator decided CANCEL first (recovery cancels a transaction"
                + " still TRYING after its deadline " + tx.deadline() + " plus tcc.recovery-margin "
                + config.timing().recoveryMargin() + note + "), before this initiator decided CONFIRM, so its branches are being"
                + " cancelled. If the body takes this long, give the transaction a longer timeout";
    }

    /** The global log: what recovery, operators, metrics and cleanup read and change. */
    public LogStore log() {
        return store;
    }

    /** Phase two, for recovery and operators to resume decided transactions with. */
    public PhaseTwo phaseTwo() {
        return phaseTwo;
    }

    /** Who finishes each branch: add the remote participants here. */
    public ParticipantDirectory participants() {
        return participants;
    }
}
