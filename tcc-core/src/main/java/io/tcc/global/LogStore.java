package io.tcc.global;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;

import io.tcc.Timing;
import io.tcc.jdbc.Dialect;
import io.tcc.jdbc.LocalTransactions;

/**
 * The initiator's global log, with the transactions it is written in: the one path by which every part of the
 * initiator opens, commits and rolls back a log transaction. Recovery, operators, metrics and cleanup read and change
 * the log through its public methods; each runs in a local transaction of its own and is durable when it returns.
 */
public final class LogStore implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LogStore.class);
    /** Like the fence's tcc.fence.conflict-retries default: enough for a write that lost to another node's twice. */
    private static final int LOG_ONLY_CONFLICT_RETRIES = 5;

    /** Work on the log inside one local transaction. */
    @FunctionalInterface
    interface Work<T> {
        T run(Connection connection) throws Throwable;
    }

    /** Where a transaction stands after a decision: its state, and the log's row when another party decided first. */
    record Decision(GlobalState state, GlobalRecord decidedFirst) {
    }

    private final DataSource dataSource;
    private final LocalTransactions transactions;
    private final GlobalLog sql;
    private final CoordinatorConfig config;
    /** The isolation of transactions that write only the log; see logOnlyIsolation. */
    private final int logIsolation;
    /** Log writes of concurrent transactions that share a commit. */
    private final GroupCommit group;
    /** Log transactions run again after a lost write conflict, for metrics and the race tests. */
    private final LongAdder conflictRetries = new LongAdder();

    LogStore(DataSource dataSource, PlatformTransactionManager transactionManager, CoordinatorConfig config) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.transactions = new LocalTransactions(dataSource, Objects.requireNonNull(transactionManager, "transactionManager"));
        this.config = Objects.requireNonNull(config, "config");
        // one connection at start-up tells the database and the pool's isolation level
        try (Connection c = dataSource.getConnection()) {
            Dialect dialect = Dialect.detect(c);
            this.sql = new GlobalLog(dialect, config.globalTable(), config.branchTable());
            this.logIsolation = logOnlyIsolation(dialect, c);
        } catch (SQLException e) {
            throw new GlobalLogException("cannot open a connection to the global log's database: " + e.getMessage(), e);
        }
        this.group = new GroupCommit(this, config.completionLinger(), config.groupCommitLinger(),
                config.groupCommitMaxBatch());
    }

    // --- what recovery, operators, metrics and cleanup use

    public Optional<GlobalRecord> find(String xid) {
        return inLog(c -> sql.findGlobal(c, xid));
    }

    public List<BranchRecord> branches(String xid) {
        return inLog(c -> sql.findBranches(c, xid));
    }

    /** Up to {@code limit} transactions whose next attempt is due by the database's clock, oldest first. */
    public List<String> findDue(int limit) {
        return inLog(c -> sql.findDue(c, limit));
    }

    /**
     * Claims up to {@code limit} due transactions for {@code lease} in one commit; rows another daemon holds are
     * skipped. READ COMMITTED: a locking scan under REPEATABLE READ would also lock the gaps between due rows, where
     * other daemons' finishing updates move rows.
     */
    public List<String> claimDue(int limit, Duration lease) {
        return inLog(TransactionDefinition.ISOLATION_READ_COMMITTED, c -> sql.claimDue(c, limit, lease));
    }

    /** Flags a transaction still in {@code state} for an operator; it keeps its state and is no longer due. */
    public boolean flag(String xid, GlobalState state, String reason) {
        return inLog(c -> sql.flag(c, xid, state, reason));
    }

    /** For metrics: unfinished transactions by state. */
    public List<PendingStats> pendingStats() {
        return inLog(sql::pendingStats);
    }

    /** Operators' view: transactions by state, flag and age, oldest first. */
    public List<GlobalRecord> list(GlobalState state, boolean flaggedOnly, Duration olderThan, int limit) {
        return inLog(c -> sql.list(c, state, flaggedOnly, olderThan, limit));
    }

    /** Makes an unfinished transaction due now, clearing its flag. */
    public boolean retryNow(String xid) {
        return inLog(c -> sql.retryNow(c, xid));
    }

    /** Records an operator's reason on a transaction still in {@code state}, clears its flag and makes it due now. */
    public boolean resolve(String xid, GlobalState state, String reason) {
        return inLog(c -> sql.resolve(c, xid, state, reason));
    }

    /**
     * Deletes finished transactions and their branch rows last changed more than {@code retention} ago, by the
     * database's clock, one batch per local transaction.
     *
     * @throws IllegalArgumentException for a retention shorter than the deployment's {@link Timing} allows for global
     *                                  log rows, naming its settings
     */
    public int deleteFinished(Duration retention, int batchSize) {
        config.timing().requireRetention(retention, Timing.Rows.GLOBAL_LOG);
        if (batchSize < 1 || batchSize > 10_000) {
            throw new IllegalArgumentException("tcc.recovery.cleanup.batch-size must be between 1 and 10000, was "
                    + batchSize);
        }
        int total = 0;
        int deleted;
        do {
            deleted = inLog(c -> sql.deleteFinished(c, retention, batchSize));
            total += deleted;
        } while (deleted == batchSize);
        return total;
    }

    /** Log transactions run again after losing a write conflict (a deadlock, or on Galera a failed certification). */
    public long conflictRetries() {
        return conflictRetries.sum();
    }

    /** The deployment's timing this log is kept by: cleanup's retention is bounded by it. */
    public Timing timing() {
        return config.timing();
    }

    /** Commits the log writes still waiting for a shared commit, then stops the threads that group them. */
    @Override
    public void close() {
        group.close();
    }

    // --- the initiator's and phase two's own

    GlobalLog sql() {
        return sql;
    }

    CoordinatorConfig config() {
        return config;
    }

    DataSource dataSource() {
        return dataSource;
    }

    /** Where log writes wait to share a commit with other transactions' writes. */
    GroupCommit group() {
        return group;
    }

    /**
     * The compare-and-set from TRYING. When another party (recovery, an operator, the initiator) decided first, its
     * decision is followed and returned with the row it left; {@code wanted} is never swapped for another decision.
     *
     * @throws GlobalTransactionMissingException the log holds no such transaction
     */
    Decision decide(String xid, GlobalState wanted) {
        if (group.commit(c -> sql.decide(c, xid, wanted, config.phaseTwoRetryDelay()))) {
            log.info("{} decided {}", xid, wanted);
            return new Decision(wanted, null);
        }
        GlobalRecord found = find(xid).orElseThrow(() -> new GlobalTransactionMissingException(xid, wanted,
                config.globalTable(), config.branchTable()));
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
     * Runs log work in a new local transaction of its own (suspending any the caller has), so what it writes is
     * durable when this returns, whatever the caller's transaction does later.
     */
    <T> T inLog(Work<T> work) {
        return inLog(logIsolation, work);
    }

    /**
     * Like {@link #inLog(Work)}, for log work that shares its commit with the local participant's business method:
     * that keeps the isolation the application chose for its DataSource.
     */
    <T> T inShared(Work<T> work) {
        return inLog(TransactionDefinition.ISOLATION_DEFAULT, work, 0);
    }

    /**
     * Log-only work reads no snapshot: every change is a compare-and-set. At REPEATABLE READ PostgreSQL fails such an
     * update with a serialization error whenever recovery touched the row after the transaction began, so log-only
     * transactions run at READ COMMITTED there. InnoDB's updates are current reads at any level: MySQL keeps the
     * pool's own level, and no statement is spent on switching it.
     */
    private static int logOnlyIsolation(Dialect dialect, Connection c) throws SQLException {
        return dialect == Dialect.POSTGRESQL && c.getTransactionIsolation() > Connection.TRANSACTION_READ_COMMITTED
                ? TransactionDefinition.ISOLATION_READ_COMMITTED : TransactionDefinition.ISOLATION_DEFAULT;
    }

    private <T> T inLog(int isolation, Work<T> work) {
        return inLog(isolation, work, LOG_ONLY_CONFLICT_RETRIES);
    }

    /**
     * @param retries how often to run the work again after it lost a write conflict: log-only work is
     *                        compare-and-sets and reads, safe to run again; work that shares its commit with a business
     *                        method gets 0 (its caller decides). A conflict, even one reported at commit (Galera's
     *                        certification failure), means the transaction was rolled back: nothing of it is durable.
     */
    private <T> T inLog(int isolation, Work<T> work, int retries) {
        for (int attempt = 1; ; attempt++) {
            List<GroupCommit.Completion> riding = group.takeCompletions();
            try {
                return transactions.inNew("tcc-global-log", isolation, c -> {
                    GroupCommit.write(sql, c, riding);
                    return work.run(c);
                });
            } catch (Throwable failure) {
                putBack(riding); // not written, or perhaps not: writing them again is harmless
                if (attempt <= retries && sql.dialect().isConflict(failure)) {
                    conflictRetries.increment();
                    log.warn("a global log transaction lost a write conflict (attempt {}), running it again: {}",
                            attempt, rootMessage(failure));
                    continue;
                }
                throw sneaky(logFailure(failure));
            }
        }
    }

    private static String rootMessage(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage();
    }

    /** The log's own failures as GlobalLogException saying what is durable; a business failure unchanged. */
    private static Throwable logFailure(Throwable failure) {
        if (failure instanceof LocalTransactions.TransactionFailedException e) {
            return e.step() == LocalTransactions.Step.BEGIN
                    ? new GlobalLogException("could not begin a global log transaction: " + e.getMessage()
                            + "; nothing was written", e.getCause())
                    : new GlobalLogException("commit of a global log transaction failed: " + e.getMessage()
                            + "; whether it is durable is unknown", e.getCause());
        }
        if (failure instanceof SQLException e) {
            GlobalLogException wrapped = new GlobalLogException("global log write failed (SQLState " + e.getSQLState()
                    + "): " + e.getMessage() + "; nothing of it is durable", e);
            for (Throwable suppressed : e.getSuppressed()) {
                wrapped.addSuppressed(suppressed);
            }
            return wrapped;
        }
        return failure;
    }

    private void putBack(List<GroupCommit.Completion> riding) {
        for (GroupCommit.Completion completion : riding) {
            group.defer(completion);
        }
    }

    /** Rethrows business exceptions unchanged through the log's transaction boundary. */
    @SuppressWarnings("unchecked")
    private static <E extends Throwable> RuntimeException sneaky(Throwable failure) throws E {
        throw (E) failure;
    }
}
