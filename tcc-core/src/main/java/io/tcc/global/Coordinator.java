package io.tcc.global;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DataSourceUtils;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.TransactionException;
import org.springframework.transaction.TransactionStatus;
import org.springframework.transaction.support.DefaultTransactionDefinition;

import io.tcc.BadInputException;
import io.tcc.RetentionRule;
import io.tcc.context.TransactionContext;
import io.tcc.fence.BranchCallback;
import io.tcc.fence.BranchKey;
import io.tcc.jdbc.Dialect;
import io.tcc.participant.ActionDescriptor;
import io.tcc.participant.LocalParticipant;
import io.tcc.participant.Participant;
import io.tcc.participant.PendingBranch;

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

    @FunctionalInterface
    private interface LogWork<T> {
        T run(Connection connection) throws Throwable;
    }

    private final DataSource dataSource;
    private final PlatformTransactionManager transactionManager;
    private final GlobalLog globalLog;
    private final CoordinatorConfig config;
    private final LocalParticipant local;
    private final boolean localSharesCommits;
    private final Map<String, Participant> participants = new ConcurrentHashMap<>();
    private final CrashPoints crashPoints;
    private final Clock clock;
    private volatile Function<String, Participant> reachOthers;
    /** The isolation of transactions that write only the log; see logOnlyIsolation. */
    private final int logIsolation;

    /** A remote branch's finished phase two, waiting to ride on the log's next commit; see completionLinger. */
    private record Completion(String xid, String branchId, BranchState target, GlobalState finishFrom, long deferredNanos) {
    }

    private static final int MAX_COMPLETIONS_PER_COMMIT = 500;
    private final Queue<Completion> completions = new ConcurrentLinkedQueue<>();
    private final ScheduledExecutorService completionFlusher;

    /**
     * @param local the participant inside this process, or null when it has none
     */
    public Coordinator(DataSource dataSource, PlatformTransactionManager transactionManager, CoordinatorConfig config,
                       LocalParticipant local, CrashPoints crashPoints) {
        this(dataSource, transactionManager, config, local, crashPoints, Clock.systemUTC());
    }

    /**
     * Like the other constructor, reading deadlines from {@code clock}: for QA that steps the initiator's clock within
     * the clock-skew margin (see {@code docs/explorer.md}).
     */
    public Coordinator(DataSource dataSource, PlatformTransactionManager transactionManager, CoordinatorConfig config,
                       LocalParticipant local, CrashPoints crashPoints, Clock clock) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.transactionManager = Objects.requireNonNull(transactionManager, "transactionManager");
        this.config = Objects.requireNonNull(config, "config");
        this.local = local;
        this.crashPoints = Objects.requireNonNull(crashPoints, "crashPoints");
        this.clock = Objects.requireNonNull(clock, "clock");
        Dialect dialect = Dialect.detect(dataSource);
        this.globalLog = new GlobalLog(dialect, config.globalTable(), config.branchTable());
        this.logIsolation = logOnlyIsolation(dialect, dataSource);
        this.localSharesCommits = local != null && local.fence().dataSource() == dataSource
                && transactionManager instanceof DataSourceTransactionManager dstm && dstm.getDataSource() == dataSource;
        if (local != null) {
            participants.put(local.name(), local);
        }
        this.completionFlusher = config.completionLinger().isZero() ? null
                : Executors.newSingleThreadScheduledExecutor(task -> {
                    Thread thread = new Thread(task, "tcc-completions");
                    thread.setDaemon(true);
                    return thread;
                });
    }

    /** Writes the completions still waiting, then stops their flusher. */
    @Override
    public void close() {
        if (completionFlusher != null) {
            completionFlusher.shutdownNow();
            // one try per batch: a failed one puts its batch back, and recovery drives those again
            int batches = (completions.size() + MAX_COMPLETIONS_PER_COMMIT - 1) / MAX_COMPLETIONS_PER_COMMIT;
            for (int i = 0; i < batches; i++) {
                flushCompletions(false);
            }
        }
    }

    /** Makes a remote participant reachable for phase two and recovery, under the name its branch rows carry. */
    public void addParticipant(Participant participant) {
        participants.put(participant.name(), participant);
    }

    /**
     * How to reach participants that were not added by name: a process without the application's code (the standalone
     * recovery daemon) reaches every participant, the initiator's own local one included, over its endpoints.
     */
    public void reachOthersWith(Function<String, Participant> reach) {
        this.reachOthers = Objects.requireNonNull(reach, "reach");
    }

    public CoordinatorConfig config() {
        return config;
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
        if (TransactionContext.current() != null) {
            return body.run(); // nested: join the running transaction
        }
        if (name != null && name.length() > MAX_NAME_LENGTH) {
            throw new BadInputException("transaction name is " + name.length() + " characters long; at most "
                    + MAX_NAME_LENGTH + " are logged");
        }
        if (timeout == null || timeout.isNegative() || timeout.isZero() || timeout.compareTo(config.maxTimeout()) > 0) {
            throw new BadInputException("timeout " + timeout + " of " + name + " must be positive and at most maxTimeout "
                    + config.maxTimeout());
        }
        ActiveTransaction tx = new ActiveTransaction(config.xidPrefix() + "-" + UUID.randomUUID(),
                clock.instant().plus(timeout), name);
        try (TransactionContext.Scope ignored = TransactionContext.bind(tx)) {
            T result;
            try {
                result = body.run();
            } catch (CrashPoints.SimulatedCrash crash) {
                throw crash;
            } catch (Throwable failure) {
                cancel(tx, "the initiator threw " + failure, failure);
                throw failure;
            }
            crashPoints.reached(CrashPoints.Point.BEFORE_DECISION, tx.xid());
            if (tx.tryFailure() != null) {
                GlobalTransactionCancelledException cancelled = new GlobalTransactionCancelledException(tx.xid(), tx.tryFailure());
                cancel(tx, tx.tryFailure(), cancelled);
                throw cancelled;
            }
            // every try answered a definite success: confirm, even past the deadline (only a CANCEL decided first wins)
            Decision decision = finish(tx, GlobalState.CONFIRMING, null);
            if (decision.state().finalState() != GlobalState.CONFIRMED) {
                throw new GlobalTransactionCancelledException(tx.xid(), cancelledFirst(tx, decision.decidedFirst()));
            }
            return result;
        }
    }

    /**
     * Runs a local participant's try as a branch of the transaction on this thread: registers the branch durably, then
     * runs the try through the fence. Called by the {@code @Try} aspect.
     *
     * @throws NoGlobalTransactionException        no global transaction runs on this thread
     * @throws BranchRegistrationRefusedException the transaction is decided or past its deadline; the try did not run
     */
    public <T> T tryLocal(ActionDescriptor action, Object[] args, BranchCallback<T> business) throws Throwable {
        ActiveTransaction tx = ActiveTransaction.onThisThread();
        if (tx == null) {
            throw new NoGlobalTransactionException(action.action());
        }
        if (local == null) {
            throw new IllegalStateException("this coordinator has no local participant to run " + action);
        }
        String branchId = tx.nextBranchId();
        BranchRecord branch = new BranchRecord(tx.xid(), branchId, LocalParticipant.NAME, action.action(), null,
                BranchState.REGISTERED, null, null, null);
        BranchKey key = branch.key();
        try {
            if (localSharesCommits) {
                // one commit: if it rolls back, the branch was never registered and its try never ran
                T result = tx.register(() -> {
                    T value = registerSharingTheTry(tx, branch, () -> inSharedTransaction(c -> {
                        register(c, tx, branch);
                        return local.tryAction(action, key, tx.deadline(), args, business).value();
                    }));
                    tx.registered(branch);
                    return value;
                });
                crashPoints.reached(CrashPoints.Point.AFTER_BRANCH_REGISTERED, tx.xid());
                return result;
            }
            registerAlone(tx, branch);
            crashPoints.reached(CrashPoints.Point.AFTER_BRANCH_REGISTERED, tx.xid());
            return local.tryAction(action, key, tx.deadline(), args, business).value();
        } catch (CrashPoints.SimulatedCrash crash) {
            throw crash;
        } catch (Throwable failure) {
            tx.tryFailed("the try of " + action.action() + " (branch " + branchId + ") failed: " + failure);
            throw failure;
        }
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
        ActiveTransaction tx = ActiveTransaction.onThisThread();
        if (tx == null) {
            throw new NoGlobalTransactionException(action);
        }
        BranchRecord branch = new BranchRecord(tx.xid(), tx.nextBranchId(), participant, action, endpoint,
                BranchState.REGISTERED, null, null, null);
        try {
            registerAlone(tx, branch);
            crashPoints.reached(CrashPoints.Point.AFTER_BRANCH_REGISTERED, tx.xid());
            return send.send(branch.key(), tx.deadline());
        } catch (CrashPoints.SimulatedCrash crash) {
            throw crash;
        } catch (Throwable failure) {
            tx.tryFailed("the try of " + participant + " " + action + " (branch " + branch.branchId() + ") failed: " + failure);
            throw failure;
        }
    }

    /** Commits a branch's registration on its own, before its try is sent. */
    private void registerAlone(ActiveTransaction tx, BranchRecord branch) throws Exception {
        tx.register(() -> {
            inLogTransaction(c -> {
                register(c, tx, branch);
                return null;
            });
            tx.registered(branch);
            return null;
        });
    }

    private void register(Connection c, ActiveTransaction tx, BranchRecord branch) throws SQLException {
        if (!tx.logged()) {
            if (!clock.instant().isBefore(tx.deadline())) {
                throw new BranchRegistrationRefusedException(tx.xid(), branch.action());
            }
            globalLog.insertGlobal(c, tx.xid(), tx.name(), tx.deadline(), config.recoveryMargin());
        } else if (!holdForRegistration(c, tx.xid())) {
            throw new BranchRegistrationRefusedException(tx.xid(), branch.action());
        }
        globalLog.insertBranch(c, tx.xid(), branch.branchId(), branch.participant(), branch.action(), branch.endpoint());
        log.debug("registered branch {} ({} {}) of {}", branch.branchId(), branch.participant(), branch.action(), tx.xid());
    }

    private boolean holdForRegistration(Connection c, String xid) throws SQLException {
        try {
            return globalLog.holdForRegistration(c, xid);
        } catch (SQLException e) {
            if (globalLog.dialect().isConflict(e)) {
                throw new RegistrationConflict(e);
            }
            throw e;
        }
    }

    /**
     * The global row changed after the snapshot of the transaction registering a branch (a decision by recovery or an
     * operator, met at REPEATABLE READ on PostgreSQL, where a registration sharing its commit with the local try keeps
     * the pool's level). Nothing ran yet; the registration looks at the row afresh.
     */
    private static final class RegistrationConflict extends RuntimeException {
        RegistrationConflict(SQLException cause) {
            super(cause.getMessage(), cause, false, false);
        }
    }

    /** Runs a registration that shares its commit with the local try, looking again after a {@link RegistrationConflict}. */
    private <T> T registerSharingTheTry(ActiveTransaction tx, BranchRecord branch, Supplier<T> registration) {
        for (int attempt = 1; ; attempt++) {
            try {
                return registration.get();
            } catch (RegistrationConflict conflict) {
                boolean stillTrying = find(tx.xid()).map(r -> r.state() == GlobalState.TRYING).orElse(false);
                log.info("registration of branch {} of {} met a concurrent change of the global row ({}); {}",
                        branch.branchId(), tx.xid(), conflict.getMessage(), stillTrying ? "trying again" : "it is decided");
                if (!stillTrying || attempt >= 3) {
                    throw new BranchRegistrationRefusedException(tx.xid(), branch.action());
                }
            }
        }
    }

    /**
     * Cancels after the body failed; {@code failure} is what the caller gets either way. When cancelling fails, the
     * failure to cancel rides on it as suppressed: the log keeps the transaction as it was, and recovery cancels it.
     */
    private void cancel(ActiveTransaction tx, String reason, Throwable failure) {
        try {
            finish(tx, GlobalState.CANCELLING, reason);
        } catch (RuntimeException cancelFailure) {
            failure.addSuppressed(cancelFailure);
            log.warn("{} could not be cancelled ({}); recovery cancels it once it is due, a TRYING transaction after its"
                    + " deadline {} plus tcc.recovery-margin ({})", tx.xid(), cancelFailure.toString(), tx.deadline(),
                    config.recoveryMargin());
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
                + config.recoveryMargin() + note + "), before this initiator decided CONFIRM, so its branches are being"
                + " cancelled. If the body takes this long, give the transaction a longer timeout";
    }

    /** Where a transaction stands: its state, and the log's row when another party had decided it first. */
    private record Decision(GlobalState state, GlobalRecord decidedFirst) {
    }

    /** Decides (unless another party decided first, which then wins) and drives phase two as far as it goes now. */
    private Decision finish(ActiveTransaction tx, GlobalState wanted, String reason) {
        List<BranchRecord> branches = tx.branches();
        if (branches.isEmpty()) {
            return new Decision(wanted.finalState(), null); // nothing was registered, nothing to log or undo
        }
        if (reason != null) {
            log.info("cancelling {}: {}", tx.xid(), reason);
        }
        if (localSharesCommits) {
            List<BranchRecord> locals = branches.stream().filter(b -> LocalParticipant.NAME.equals(b.participant())).toList();
            List<BranchRecord> others = branches.stream().filter(b -> !LocalParticipant.NAME.equals(b.participant())).toList();
            if (!locals.isEmpty() && decideWithLocalBranches(tx, wanted, locals, others.isEmpty())) {
                if (others.isEmpty()) {
                    return new Decision(wanted.finalState(), null);
                }
                crashPoints.reached(CrashPoints.Point.AFTER_DECISION, tx.xid());
                return new Decision(drive(tx.xid(), wanted, tx.deadline(), others), null);
            }
        }
        // the same decision on its own; a local step that failed inside the shared commit is retried as phase two
        Decision decision = decide(tx.xid(), wanted);
        crashPoints.reached(CrashPoints.Point.AFTER_DECISION, tx.xid());
        return new Decision(drive(tx.xid(), decision.state(), tx.deadline(), branches), decision.decidedFirst());
    }

    /**
     * The decision and every local branch's phase two in one commit (and the final state, when there is no other
     * branch). False when any step failed (a business exception, a lock-wait timeout) or someone else decided first:
     * then nothing of it committed, and the caller commits the same decision on its own.
     */
    private boolean decideWithLocalBranches(ActiveTransaction tx, GlobalState wanted, List<BranchRecord> locals,
                                            boolean finishToo) {
        try {
            return inSharedTransaction(c -> {
                if (!globalLog.decide(c, tx.xid(), wanted, config.phaseTwoRetryDelay())) {
                    return false;
                }
                for (BranchRecord branch : locals) {
                    runPhaseTwo(local, branch, wanted, tx.deadline());
                    globalLog.moveBranch(c, tx.xid(), branch.branchId(), BranchState.REGISTERED,
                            BranchState.after(wanted), "OK");
                }
                if (finishToo) {
                    globalLog.finish(c, tx.xid(), wanted);
                }
                return true;
            });
        } catch (CrashPoints.SimulatedCrash crash) {
            throw crash;
        } catch (Throwable failure) {
            log.warn("phase two of {} failed inside the commit of its decision {}, so neither is durable; committing the"
                    + " same decision on its own and retrying the failed step as phase two: {}", tx.xid(), wanted,
                    failure.toString());
            return false;
        }
    }

    /**
     * The compare-and-set from TRYING. When another party (recovery, an operator) decided first, its decision is
     * followed and returned with the row it left; {@code wanted} is never swapped for another decision of this process.
     */
    private Decision decide(String xid, GlobalState wanted) {
        if (inLogTransaction(c -> globalLog.decide(c, xid, wanted, config.phaseTwoRetryDelay()))) {
            log.info("{} decided {}", xid, wanted);
            return new Decision(wanted, null);
        }
        GlobalRecord found = inLogTransaction(c -> globalLog.findGlobal(c, xid))
                .orElseThrow(() -> new GlobalTransactionMissingException(xid, wanted, config.globalTable(),
                        config.branchTable()));
        if (!found.state().isDecided()) {
            // cannot be: the compare-and-set fails only on a row that is no longer TRYING
            throw new IllegalTransitionException("global transaction " + xid, found.state(), wanted);
        }
        if (found.state().finalState() != wanted.finalState()) {
            log.warn("{} wanted {} but found {} decided first{}; following it", xid, wanted, found.state(),
                    found.operatorReason() == null ? "" : " by an operator (" + found.operatorReason() + ")");
        }
        return new Decision(found.state(), found);
    }

    /**
     * Drives phase two of a decided transaction over the given branches: each still REGISTERED branch is confirmed or
     * cancelled; when all are done the transaction is finished, otherwise its next attempt is scheduled. The same code
     * serves the initiator and recovery.
     *
     * @return the state the transaction is in afterwards
     */
    public GlobalState drive(String xid, GlobalState decided, Instant deadline, List<BranchRecord> branches) {
        return drive(xid, decided, deadline, branches, config.phaseTwoRetryDelay());
    }

    private GlobalState drive(String xid, GlobalState decided, Instant deadline, List<BranchRecord> branches,
                              Duration retryDelay) {
        if (!decided.isDecided()) {
            throw new IllegalArgumentException(xid + " is " + decided + ": only a decided transaction has a phase two");
        }
        if (decided.isFinished()) {
            return decided;
        }
        BranchState target = BranchState.after(decided);
        List<BranchRecord> pending = branches.stream().filter(b -> b.state() == BranchState.REGISTERED).toList();
        boolean allDone = true;
        boolean finished = false;
        int done = 0;
        for (int i = 0; i < pending.size(); i++) {
            BranchRecord branch = pending.get(i);
            // the last branch's update carries the transaction's final state when every branch before it succeeded
            boolean finishWithIt = allDone && i == pending.size() - 1;
            try {
                Participant participant = participant(branch);
                boolean sharedCommit = localSharesCommits && participant == local;
                if (!sharedCommit) {
                    runPhaseTwo(participant, branch, decided, deadline);
                }
                if (!sharedCommit && completionFlusher != null) {
                    defer(new Completion(xid, branch.branchId(), target, finishWithIt ? decided : null, System.nanoTime()));
                    finished = finishWithIt;
                } else {
                    LogWork<Boolean> logIt = c -> {
                        if (sharedCommit) {
                            runPhaseTwo(participant, branch, decided, deadline);
                        }
                        globalLog.moveBranch(c, xid, branch.branchId(), BranchState.REGISTERED, target, "OK");
                        return finishWithIt && globalLog.finish(c, xid, decided);
                    };
                    finished = sharedCommit ? inSharedTransaction(logIt) : inLogTransaction(logIt);
                }
                if (++done == 1) {
                    crashPoints.reached(CrashPoints.Point.AFTER_FIRST_PHASE_TWO, xid);
                }
            } catch (CrashPoints.SimulatedCrash crash) {
                throw crash;
            } catch (Throwable failure) {
                allDone = false;
                String outcome = (decided == GlobalState.CONFIRMING ? "confirm" : "cancel") + " failed: " + failure;
                log.warn("{} of branch {} ({} {}) of {}; it stays pending and is driven again", outcome,
                        branch.branchId(), branch.participant(), branch.action(), xid);
                try {
                    inLogTransaction(c -> {
                        globalLog.recordBranchOutcome(c, xid, branch.branchId(), outcome);
                        return null;
                    });
                } catch (RuntimeException logFailure) {
                    log.warn("could not record the outcome of branch {} of {}: {}", branch.branchId(), xid, logFailure.toString());
                }
            }
        }
        try {
            if (allDone) {
                if (!finished && !inLogTransaction(c -> globalLog.finish(c, xid, decided))) {
                    // finished elsewhere, or a branch pending in the log that this process never knew it registered
                    log.info("{} stays {} until recovery finds no branch pending in the log", xid, decided);
                    return decided;
                }
                log.info("{} {}", xid, decided.finalState());
                return decided.finalState();
            }
            inLogTransaction(c -> globalLog.postpone(c, xid, decided, retryDelay));
        } catch (RuntimeException logFailure) {
            // the decision is durable: whoever asked is answered by it, and recovery finishes the rest when it is due
            log.warn("could not log how far phase two of {} got ({}); it stays {} and recovery drives it again",
                    xid, logFailure.toString(), decided);
        }
        return decided;
    }

    /**
     * Drives one transaction from what the log holds now: a decided one through its phase two; a TRYING one past its
     * deadline plus the recovery margin is first decided CANCEL. Used to re-drive after failures and by recovery.
     *
     * @return the transaction's state afterwards, or empty when the log has no such transaction
     */
    public Optional<GlobalState> redrive(String xid) {
        return redrive(xid, attempts -> config.phaseTwoRetryDelay());
    }

    /**
     * Like {@link #redrive(String)}, scheduling a failed attempt after {@code backoff.apply(attempts so far)}: recovery's
     * exponential backoff.
     */
    public Optional<GlobalState> redrive(String xid, java.util.function.IntFunction<Duration> backoff) {
        Optional<GlobalRecord> found = find(xid);
        if (found.isEmpty()) {
            return Optional.empty();
        }
        GlobalRecord tx = found.get();
        GlobalState state = tx.state();
        if (state == GlobalState.TRYING) {
            if (clock.instant().isBefore(tx.deadline().plus(config.recoveryMargin()))) {
                return Optional.of(state); // its initiator may still be running it
            }
            state = decide(xid, GlobalState.CANCELLING).state();
        }
        return Optional.of(drive(xid, state, tx.deadline(), branches(xid), backoff.apply(tx.attempts() + 1)));
    }

    /** Recovery's view of the log: what is due now, claims on it, and the operator flag. */
    public List<GlobalLog.Due> findDue(int limit) {
        return inLogTransaction(c -> globalLog.findDue(c, limit));
    }

    /**
     * Claims a batch of due transactions in one commit; see {@link GlobalLog#claimDue}. READ COMMITTED: a locking scan
     * under REPEATABLE READ would also lock the gaps between due rows, where other daemons' finishing updates move rows.
     */
    public List<GlobalLog.Due> claimDue(int limit, Duration lease) {
        return inLogTransaction(TransactionDefinition.ISOLATION_READ_COMMITTED, c -> globalLog.claimDue(c, limit, lease));
    }

    public boolean flag(String xid, GlobalState state, String reason) {
        return inLogTransaction(c -> globalLog.flag(c, xid, state, reason));
    }

    /** For metrics: see {@link GlobalLog#pendingStats}. */
    public List<GlobalLog.PendingStats> pendingStats() {
        return inLogTransaction(globalLog::pendingStats);
    }

    /** Operators' view: see {@link GlobalLog#list}. */
    public List<GlobalRecord> list(GlobalState state, boolean flaggedOnly, Duration olderThan, int limit) {
        return inLogTransaction(c -> globalLog.list(c, state, flaggedOnly, olderThan, limit));
    }

    public boolean retryNow(String xid) {
        return inLogTransaction(c -> globalLog.retryNow(c, xid));
    }

    /** Records an operator's reason on a transaction still in {@code state}, clears its flag and makes it due now. */
    public boolean resolve(String xid, GlobalState state, String reason) {
        return inLogTransaction(c -> globalLog.resolve(c, xid, state, reason));
    }

    /** The global log's part of the deployment's timing rule: a transaction's longest life plus recovery's margin. */
    public RetentionRule retentionRule() {
        return RetentionRule.forGlobalLog(config.maxTimeout(), config.recoveryMargin());
    }

    /**
     * Deletes finished transactions and their branch rows last changed more than {@code retention} ago, by the
     * database's clock, one batch per local transaction.
     *
     * @throws IllegalArgumentException for a retention shorter than {@link #retentionRule()} allows, naming its settings
     */
    public int deleteFinished(Duration retention, int batchSize) {
        retentionRule().requireRetention(retention);
        if (batchSize < 1 || batchSize > 10_000) {
            throw new IllegalArgumentException("batchSize must be between 1 and 10000, was " + batchSize);
        }
        int total = 0;
        int deleted;
        do {
            deleted = inLogTransaction(c -> globalLog.deleteFinished(c, retention, batchSize));
            total += deleted;
        } while (deleted == batchSize);
        return total;
    }

    /**
     * Decides CANCEL for a TRYING transaction now (an operator's call, whatever the deadline); the winner is returned.
     *
     * @throws GlobalTransactionMissingException the log holds no such transaction
     */
    public GlobalState decideCancel(String xid) {
        return decide(xid, GlobalState.CANCELLING).state();
    }

    public Optional<GlobalRecord> find(String xid) {
        return inLogTransaction(c -> globalLog.findGlobal(c, xid));
    }

    public List<BranchRecord> branches(String xid) {
        return inLogTransaction(c -> globalLog.findBranches(c, xid));
    }

    private Participant participant(BranchRecord branch) {
        Function<String, Participant> reach = reachOthers;
        Participant participant = reach == null ? participants.get(branch.participant())
                : participants.computeIfAbsent(branch.participant(), reach);
        if (participant == null) {
            throw new IllegalStateException("branch " + branch.branchId() + " of " + branch.xid() + " belongs to participant '"
                    + branch.participant() + "', which this process cannot reach; register it with addParticipant");
        }
        return participant;
    }

    private static void runPhaseTwo(Participant participant, BranchRecord branch, GlobalState decided, Instant deadline)
            throws Throwable {
        PendingBranch pending = new PendingBranch(branch.key(), branch.action(), branch.endpoint(), deadline);
        if (decided.finalState() == GlobalState.CONFIRMED) {
            participant.confirm(pending);
        } else {
            participant.cancel(pending);
        }
    }

    /**
     * Runs log work in a new local transaction of its own (suspending any the caller has), so what it writes is
     * durable when this returns, whatever the caller's transaction does later.
     */
    private <T> T inLogTransaction(LogWork<T> work) {
        return inLogTransaction(logIsolation, work);
    }

    /** Like {@link #inLogTransaction(LogWork)}, for log work that shares its commit with the local participant's
     * business method: that keeps the isolation the application chose for its DataSource. */
    private <T> T inSharedTransaction(LogWork<T> work) {
        return inLogTransaction(TransactionDefinition.ISOLATION_DEFAULT, work);
    }

    /**
     * Log-only work reads no snapshot: every change is a compare-and-set. At REPEATABLE READ PostgreSQL fails such an
     * update with a serialization error whenever recovery touched the row after the transaction began, so log-only
     * transactions run at READ COMMITTED there. InnoDB's updates are current reads at any level: MySQL keeps the
     * pool's own level, and no statement is spent on switching it.
     */
    private static int logOnlyIsolation(Dialect dialect, DataSource dataSource) {
        if (dialect != Dialect.POSTGRESQL) {
            return TransactionDefinition.ISOLATION_DEFAULT;
        }
        try (Connection c = dataSource.getConnection()) {
            return c.getTransactionIsolation() > Connection.TRANSACTION_READ_COMMITTED
                    ? TransactionDefinition.ISOLATION_READ_COMMITTED : TransactionDefinition.ISOLATION_DEFAULT;
        } catch (SQLException e) {
            throw new GlobalLogException("cannot read the global log DataSource's isolation level: " + e.getMessage(), e);
        }
    }

    private <T> T inLogTransaction(int isolation, LogWork<T> work) {
        DefaultTransactionDefinition definition = new DefaultTransactionDefinition(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
        definition.setIsolationLevel(isolation);
        definition.setName("tcc-global-log");
        TransactionStatus status;
        try {
            status = transactionManager.getTransaction(definition);
        } catch (TransactionException e) {
            throw new GlobalLogException("could not begin a global log transaction: " + e.getMessage()
                    + "; nothing was written", e);
        }
        T result;
        Connection connection = DataSourceUtils.getConnection(dataSource);
        List<Completion> riding = takeCompletions();
        try {
            writeCompletions(connection, riding);
            result = work.run(connection);
        } catch (Throwable failure) {
            Throwable thrown = failure instanceof SQLException sql
                    ? new GlobalLogException("global log write failed (SQLState " + sql.getSQLState() + "): " + sql.getMessage()
                            + "; nothing of it is durable", sql)
                    : failure;
            try {
                transactionManager.rollback(status);
            } catch (RuntimeException rollbackFailure) {
                thrown.addSuppressed(rollbackFailure); // a business failure stays what the caller sees
            }
            riding.forEach(this::defer); // they wait for the next commit
            throw sneaky(thrown);
        } finally {
            DataSourceUtils.releaseConnection(connection, dataSource);
        }
        try {
            transactionManager.commit(status);
        } catch (TransactionException e) {
            riding.forEach(this::defer); // perhaps not written: writing them again is harmless
            throw new GlobalLogException("commit of a global log transaction failed: " + e.getMessage()
                    + "; whether it is durable is unknown", e);
        }
        return result;
    }

    private void defer(Completion completion) {
        completions.add(completion);
        if (!completionFlusher.isShutdown()) {
            completionFlusher.schedule((Runnable) () -> flushCompletions(true), config.completionLinger().toNanos(),
                    TimeUnit.NANOSECONDS);
        }
    }

    /** The waiting completions, oldest first, to ride on a commit the log makes anyway. */
    private List<Completion> takeCompletions() {
        List<Completion> taken = new ArrayList<>();
        Completion next;
        while (taken.size() < MAX_COMPLETIONS_PER_COMMIT && (next = completions.poll()) != null) {
            taken.add(next);
        }
        return taken;
    }

    private void writeCompletions(Connection c, List<Completion> batch) throws SQLException {
        for (Completion done : batch) {
            globalLog.moveBranch(c, done.xid(), done.branchId(), BranchState.REGISTERED, done.target(), "OK");
            if (done.finishFrom() != null) {
                globalLog.finish(c, done.xid(), done.finishFrom());
            }
        }
    }

    /**
     * A commit of its own for the waiting completions, once the oldest has waited its whole linger with no other commit
     * to ride on (a younger one alone may still find one). A failed commit puts them back for the next try.
     */
    private void flushCompletions(boolean expiredOnly) {
        Completion oldest = completions.peek();
        if (oldest == null
                || (expiredOnly && System.nanoTime() - oldest.deferredNanos() < config.completionLinger().toNanos())) {
            return;
        }
        try {
            inLogTransaction(c -> null); // the completions ride on it
        } catch (RuntimeException e) {
            log.warn("could not log finished phase twos ({}); they wait for the next commit, and recovery drives them"
                    + " again if none comes", e.toString());
        }
    }

    /** Rethrows business exceptions unchanged through the log's transaction boundary. */
    @SuppressWarnings("unchecked")
    private static <E extends Throwable> RuntimeException sneaky(Throwable failure) throws E {
        throw (E) failure;
    }
}
