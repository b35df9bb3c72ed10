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

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DataSourceUtils;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
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
        this.globalLog = new GlobalLog(Dialect.detect(dataSource), config.globalTable(), config.branchTable());
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
     * confirms every branch it registered; throwing cancels them and rethrows the same exception.
     *
     * @throws GlobalTransactionCancelledException when the body returned but the transaction had to be cancelled
     *                                             (a try failed and the body went on, or the deadline passed)
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
        GlobalTransaction tx = new GlobalTransaction(config.xidPrefix() + "-" + UUID.randomUUID(),
                clock.instant().plus(timeout), name);
        try (TransactionContext.Scope ignored = TransactionContext.bind(tx)) {
            T result;
            try {
                result = body.run();
            } catch (CrashPoints.SimulatedCrash crash) {
                throw crash;
            } catch (Throwable failure) {
                finish(tx, GlobalState.CANCELLING, "the initiator threw " + failure);
                throw failure;
            }
            crashPoints.reached(CrashPoints.Point.BEFORE_DECISION, tx.xid());
            String reason = tx.tryFailure() != null ? tx.tryFailure()
                    : clock.instant().isAfter(tx.deadline()) ? "its deadline " + tx.deadline() + " passed" : null;
            GlobalState outcome = finish(tx, reason == null ? GlobalState.CONFIRMING : GlobalState.CANCELLING, reason);
            if (outcome.finalState() != GlobalState.CONFIRMED) {
                throw new GlobalTransactionCancelledException(tx.xid(),
                        reason != null ? reason : "it was decided CANCEL elsewhere (recovery, after its deadline)");
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
        GlobalTransaction tx = TransactionContext.current();
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
                    T value = inLogTransaction(c -> {
                        register(c, tx, branch);
                        return local.tryAction(action, key, tx.deadline(), args, business).value();
                    });
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
        GlobalTransaction tx = TransactionContext.current();
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
    private void registerAlone(GlobalTransaction tx, BranchRecord branch) throws Exception {
        tx.register(() -> {
            inLogTransaction(c -> {
                register(c, tx, branch);
                return null;
            });
            tx.registered(branch);
            return null;
        });
    }

    private void register(Connection c, GlobalTransaction tx, BranchRecord branch) throws SQLException {
        if (!tx.logged()) {
            if (!clock.instant().isBefore(tx.deadline())) {
                throw new BranchRegistrationRefusedException(tx.xid(), branch.action());
            }
            globalLog.insertGlobal(c, tx.xid(), tx.name(), tx.deadline(), config.recoveryMargin());
        } else if (!globalLog.holdForRegistration(c, tx.xid())) {
            throw new BranchRegistrationRefusedException(tx.xid(), branch.action());
        }
        globalLog.insertBranch(c, tx.xid(), branch.branchId(), branch.participant(), branch.action(), branch.endpoint());
        log.debug("registered branch {} ({} {}) of {}", branch.branchId(), branch.participant(), branch.action(), tx.xid());
    }

    /** Decides (unless another party decided first, which then wins) and drives phase two as far as it goes now. */
    private GlobalState finish(GlobalTransaction tx, GlobalState wanted, String reason) {
        List<BranchRecord> branches = tx.branches();
        if (branches.isEmpty()) {
            return wanted.finalState(); // nothing was registered, nothing to log or undo
        }
        if (reason != null) {
            log.info("cancelling {}: {}", tx.xid(), reason);
        }
        if (localSharesCommits) {
            List<BranchRecord> locals = branches.stream().filter(b -> LocalParticipant.NAME.equals(b.participant())).toList();
            List<BranchRecord> others = branches.stream().filter(b -> !LocalParticipant.NAME.equals(b.participant())).toList();
            if (!locals.isEmpty() && decideWithLocalBranches(tx, wanted, locals, others.isEmpty())) {
                if (others.isEmpty()) {
                    return wanted.finalState();
                }
                crashPoints.reached(CrashPoints.Point.AFTER_DECISION, tx.xid());
                return drive(tx.xid(), wanted, tx.deadline(), others);
            }
        }
        GlobalState decided = decide(tx.xid(), wanted);
        crashPoints.reached(CrashPoints.Point.AFTER_DECISION, tx.xid());
        return drive(tx.xid(), decided, tx.deadline(), branches);
    }

    /**
     * The decision and every local branch's phase two in one commit (and the final state, when there is no other
     * branch). False when any step failed or someone else decided first: then nothing of it committed, and the
     * decision is taken on its own.
     */
    private boolean decideWithLocalBranches(GlobalTransaction tx, GlobalState wanted, List<BranchRecord> locals,
                                            boolean finishToo) {
        try {
            return inLogTransaction(c -> {
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
            log.warn("phase two of {} failed inside the decision's commit; deciding on its own and retrying: {}",
                    tx.xid(), failure.toString());
            return false;
        }
    }

    /** The compare-and-set from TRYING; if someone else decided first, their decision is followed. */
    private GlobalState decide(String xid, GlobalState wanted) {
        boolean won = inLogTransaction(c -> globalLog.decide(c, xid, wanted, config.phaseTwoRetryDelay()));
        if (won) {
            log.info("{} decided {}", xid, wanted);
            return wanted;
        }
        GlobalState found = inLogTransaction(c -> globalLog.findGlobal(c, xid)).map(GlobalRecord::state)
                .orElseThrow(() -> new IllegalStateException("global transaction " + xid + " vanished from the log"));
        if (found == GlobalState.TRYING) {
            // a confirm arrived after the deadline by the database's clock: cancel instead
            return decide(xid, GlobalState.CANCELLING);
        }
        log.warn("{} wanted {} but found {} decided first; following it", xid, wanted, found);
        return found;
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
                    finished = inLogTransaction(c -> {
                        if (sharedCommit) {
                            runPhaseTwo(participant, branch, decided, deadline);
                        }
                        globalLog.moveBranch(c, xid, branch.branchId(), BranchState.REGISTERED, target, "OK");
                        return finishWithIt && globalLog.finish(c, xid, decided);
                    });
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
        if (allDone) {
            if (!finished) {
                inLogTransaction(c -> globalLog.finish(c, xid, decided)); // no branch was pending: finish on its own
            }
            log.info("{} {}", xid, decided.finalState());
            return decided.finalState();
        }
        inLogTransaction(c -> globalLog.postpone(c, xid, decided, retryDelay));
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
            state = decide(xid, GlobalState.CANCELLING);
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

    /** Decides CANCEL for a TRYING transaction now (an operator's call, whatever the deadline); the winner is returned. */
    public GlobalState decideCancel(String xid) {
        return decide(xid, GlobalState.CANCELLING);
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
        if (decided.finalState() == GlobalState.CONFIRMED) {
            participant.confirm(branch, deadline);
        } else {
            participant.cancel(branch, deadline);
        }
    }

    /**
     * Runs log work in a new local transaction of its own (suspending any the caller has), so what it writes is
     * durable when this returns, whatever the caller's transaction does later.
     */
    private <T> T inLogTransaction(LogWork<T> work) {
        return inLogTransaction(TransactionDefinition.ISOLATION_DEFAULT, work);
    }

    private <T> T inLogTransaction(int isolation, LogWork<T> work) {
        DefaultTransactionDefinition definition = new DefaultTransactionDefinition(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
        definition.setIsolationLevel(isolation);
        definition.setName("tcc-global-log");
        TransactionStatus status = transactionManager.getTransaction(definition);
        T result;
        Connection connection = DataSourceUtils.getConnection(dataSource);
        List<Completion> riding = takeCompletions();
        try {
            writeCompletions(connection, riding);
            result = work.run(connection);
        } catch (Throwable failure) {
            transactionManager.rollback(status);
            riding.forEach(this::defer); // they wait for the next commit
            throw sneaky(failure instanceof SQLException sql
                    ? new GlobalLogException("global log write failed (SQLState " + sql.getSQLState() + "): " + sql.getMessage()
                            + "; nothing of it is durable", sql)
                    : failure);
        } finally {
            DataSourceUtils.releaseConnection(connection, dataSource);
        }
        transactionManager.commit(status);
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
