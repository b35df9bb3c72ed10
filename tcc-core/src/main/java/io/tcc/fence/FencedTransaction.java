package io.tcc.fence;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DataSourceUtils;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionStatus;
import org.springframework.transaction.TransactionSystemException;
import org.springframework.transaction.support.DefaultTransactionDefinition;

import io.tcc.TccException;
import io.tcc.jdbc.Dialect;

/**
 * The local transaction one fenced call runs in: the caller's when it has one on the fence's DataSource (under a
 * savepoint on PostgreSQL), else a new one; run again from the start after a lost lock conflict, up to
 * {@code tcc.fence.conflict-retries}; committed or rolled back; and reported to the log and the listener.
 */
final class FencedTransaction {

    private static final Logger log = LoggerFactory.getLogger(FencedTransaction.class);

    /** What a fenced call is about; the deadline in epoch milliseconds, as carried with the call. */
    record Call(BranchKey key, FencePhase phase, String action, long deadlineMs) {
    }

    /** One attempt of a fenced call, on the transaction's connection. */
    @FunctionalInterface
    interface Work<T> {
        /**
         * @param callerSnapshot true when the call runs inside a caller's PostgreSQL transaction, whose snapshot may be
         *                       older than the row (its current reads too miss rows committed after it)
         * @param watch          runs the business method, telling whether it may have lost the transaction
         */
        FenceResult<T> run(Connection connection, boolean callerSnapshot, TransactionWatch watch) throws Throwable;
    }

    /** The answer from the row as committed now, for a call its caller's snapshot cannot serve. */
    @FunctionalInterface
    interface FromCommittedState<T> {
        FenceResult<T> answer(Call call, Throwable conflict) throws SQLException;
    }

    /** Carries a refusal the fence decided (never one a business method threw) out of the transaction; nothing was written. */
    static final class Refusal extends RuntimeException {
        final TccException refusal;

        Refusal(TccException refusal) {
            super(null, null, false, false);
            this.refusal = refusal;
        }
    }

    /** A state seen in the middle of another call's change; the transaction is simply run again. */
    static final class ConcurrentChange extends RuntimeException {
        ConcurrentChange(BranchKey key) {
            super("fence row " + key + " changed between two statements of one call", null, false, false);
        }

        /** A transaction the database had already rolled back for a conflict when the failure reached the fence. */
        ConcurrentChange(BranchKey key, Throwable failure) {
            super("the local transaction of " + key + " was rolled back for a write conflict with another node (Galera"
                    + " certification) before it failed with: " + failure, failure, false, false);
        }
    }

    /** A row the caller's snapshot cannot see; answered from the committed state. */
    static final class NotInSnapshot extends RuntimeException {
        NotInSnapshot() {
            super("the fence row is not visible in the caller's snapshot", null, false, false);
        }
    }

    final DataSource dataSource;
    final PlatformTransactionManager transactionManager;
    final Dialect dialect;
    private final FenceConfig config;
    private final FenceListener listener;
    /** Watches the business methods, in transactions begun here and in a caller's alike. */
    final TransactionWatch watch;

    FencedTransaction(DataSource dataSource, PlatformTransactionManager transactionManager, Dialect dialect,
                      FenceConfig config, FenceListener listener) {
        this.dataSource = dataSource;
        this.transactionManager = transactionManager;
        this.dialect = dialect;
        this.config = config;
        this.listener = listener;
        this.watch = transactionManager instanceof DataSourceTransactionManager ? new TransactionWatch(dataSource)
                : TransactionWatch.NONE;
    }

    <T> FenceResult<T> run(Call call, Work<T> work, FromCommittedState<T> fromCommittedState) throws Throwable {
        BranchKey key = call.key();
        FencePhase phase = call.phase();
        DefaultTransactionDefinition definition = new DefaultTransactionDefinition();
        definition.setName("tcc-fence:" + phase.name().toLowerCase());
        for (int attempt = 1; ; attempt++) {
            TransactionStatus status = transactionManager.getTransaction(definition);
            boolean joined = !status.isNewTransaction();
            // On PostgreSQL any failed statement aborts the whole transaction: inside a caller's, work under a
            // savepoint so that a refusal or conflict of ours leaves the caller's transaction usable.
            boolean callerSnapshot = joined && dialect == Dialect.POSTGRESQL;
            Object savepoint = callerSnapshot ? status.createSavepoint() : null;
            FenceResult<T> result;
            Connection connection = DataSourceUtils.getConnection(dataSource);
            try {
                result = work.run(connection, callerSnapshot, watch);
            } catch (Refusal r) {
                finishWithoutChanges(status, joined, savepoint);
                report(key, r.refusal);
                throw r.refusal;
            } catch (Throwable failure) {
                if (savepoint != null && (failure instanceof NotInSnapshot || isConflict(failure))) {
                    try {
                        status.rollbackToSavepoint(savepoint);
                        result = fromCommittedState.answer(call, failure);
                    } catch (Refusal r) {
                        finishWithoutChanges(status, true, null);
                        report(key, r.refusal);
                        throw r.refusal;
                    }
                    finishWithoutChanges(status, true, null);
                    report(call, result.outcome());
                    return result;
                }
                if (savepoint != null) {
                    status.rollbackToSavepoint(savepoint); // the caller may go on; its transaction is rollback-only
                }
                boolean abortedByCluster = rollback(status, failure);
                if (abortedByCluster) {
                    failure = new ConcurrentChange(key, failure);
                }
                if (isConflict(failure) && !joined && attempt <= config.conflictRetries()) {
                    log.warn("{} of {} lost a lock conflict (attempt {}), running it again: {}", phase, key, attempt,
                            failure.getMessage());
                    listener.onConflictRetried(key, phase, attempt, failure);
                    continue;
                }
                if (isConflict(failure)) {
                    throw new FenceConflictException(key, phase, attempt, joined, failure);
                }
                if (failure instanceof SQLException sql) {
                    throw storeFailure(key, phase.name().toLowerCase(), sql);
                }
                throw failure;
            } finally {
                DataSourceUtils.releaseConnection(connection, dataSource);
            }
            if (savepoint != null) {
                status.releaseSavepoint(savepoint);
            }
            try {
                transactionManager.commit(status);
            } catch (RuntimeException commitFailure) {
                if (isConflict(commitFailure) && !joined && attempt <= config.conflictRetries()) {
                    listener.onConflictRetried(key, phase, attempt, commitFailure);
                    continue;
                }
                throw commitFailure;
            }
            report(call, result.outcome());
            return result;
        }
    }

    FenceStoreException storeFailure(BranchKey key, String what, SQLException e) {
        return new FenceStoreException("fence " + what + " of " + key + " failed on table " + config.tableName()
                + " (SQLState " + e.getSQLState() + ", code " + e.getErrorCode() + "): " + e.getMessage()
                + "; nothing was recorded, the call may be retried once the database answers", e);
    }

    boolean isConflict(Throwable failure) {
        return failure instanceof ConcurrentChange || dialect.isConflict(failure);
    }

    private void finishWithoutChanges(TransactionStatus status, boolean joined, Object savepoint) {
        if (savepoint != null) {
            status.rollbackToSavepoint(savepoint);
        }
        if (joined) {
            // completing a joined status only ends this scope; it neither commits nor marks rollback-only
            transactionManager.commit(status);
        } else {
            transactionManager.rollback(status);
        }
    }

    /**
     * @return true when the rollback itself reports a conflict: on Galera, a transaction another node's write aborted
     *         (brute-force abort) answers its rollback with a deadlock error; whatever failed before, including a
     *         business method that saw the other node's rows half-way, is then a lost conflict to run again
     */
    private boolean rollback(TransactionStatus status, Throwable failure) {
        try {
            transactionManager.rollback(status);
            return false;
        } catch (TransactionSystemException rollbackFailure) {
            if (dialect.isConflict(rollbackFailure)) {
                return true;
            }
            rollbackFailure.initApplicationException(failure);
            throw rollbackFailure;
        } catch (RuntimeException | Error rollbackFailure) {
            failure.addSuppressed(rollbackFailure);
        }
        return false;
    }

    void report(Call call, FenceOutcome outcome) {
        BranchKey key = call.key();
        FencePhase phase = call.phase();
        switch (outcome) {
            case EXECUTED -> {
                log.debug("{} of {} executed", phase, key);
                listener.onExecuted(key, phase);
            }
            case DUPLICATE -> {
                log.debug("{} of {} is a duplicate: already done, nothing ran again", phase, key);
                listener.onDuplicate(key, phase);
            }
            case EMPTY_CANCEL -> {
                log.info("cancel of {} found no try: empty rollback recorded, a later try will be refused", key);
                listener.onEmptyCancel(key);
            }
            case CLEANED_UP -> {
                log.info("{} of {} found no row, and its deadline {} lies more than the minimum retention {} back: a late"
                        + " repeat of a finished branch whose row cleanup removed; answered as finished, nothing ran",
                        phase, key, Instant.ofEpochMilli(call.deadlineMs()), config.minimumRetention());
                listener.onCleanedUpRepeat(key, phase);
            }
        }
    }

    void report(BranchKey key, RuntimeException refusal) {
        log.info(refusal.getMessage());
        if (refusal instanceof TryRefusedException refused) {
            listener.onTryRefused(key, refused.reason());
        }
    }
}
