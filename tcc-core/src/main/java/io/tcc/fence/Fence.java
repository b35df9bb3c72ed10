package io.tcc.fence;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DataSourceUtils;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionStatus;
import org.springframework.transaction.TransactionSystemException;
import org.springframework.transaction.support.DefaultTransactionDefinition;

import io.tcc.BadInputException;
import io.tcc.RetentionRule;
import io.tcc.Identifiers;
import io.tcc.jdbc.Dialect;

/**
 * The participant's transaction log: runs a branch's try, confirm or cancel business method in one local
 * transaction with the row that records it, so that duplicates, empty rollbacks and suspended (late) tries
 * are decided by the database, never by timing.
 *
 * <table>
 * <caption>What each call does, by the state it finds</caption>
 * <tr><th>call</th><th>absent</th><th>TRIED</th><th>CONFIRMED</th><th>CANCELLED</th></tr>
 * <tr><td>try</td><td>run try, record TRIED (refused past the deadline)</td><td>duplicate</td><td>duplicate</td>
 *     <td>{@link TryRefusedException} (suspension)</td></tr>
 * <tr><td>confirm</td><td>{@link ProtocolViolationException}</td><td>run confirm, record CONFIRMED</td>
 *     <td>duplicate</td><td>{@link ProtocolViolationException}</td></tr>
 * <tr><td>cancel</td><td>record an empty CANCELLED, run nothing</td><td>run cancel, record CANCELLED</td>
 *     <td>{@link ProtocolViolationException}</td><td>duplicate</td></tr>
 * </table>
 *
 * <p>The business method joins the transaction: JdbcTemplate or {@code @Transactional} code on the same DataSource
 * uses the fence's connection. If the caller already runs a transaction on that DataSource, the fence joins it.
 * Effects outside the database (a cache, a message, a remote call) are not rolled back with the fence row: keep
 * them out of try and cancel, and put them in confirm.
 *
 * <p>Thread-safe; one instance per DataSource.
 */
public final class Fence {

    private static final Logger log = LoggerFactory.getLogger(Fence.class);

    private final DataSource dataSource;
    private final PlatformTransactionManager transactionManager;
    private final FenceConfig config;
    private final FenceRepository repository;
    private final FenceListener listener;
    private final Clock clock;

    public Fence(DataSource dataSource, PlatformTransactionManager transactionManager, FenceConfig config,
                 FenceListener listener) {
        this(dataSource, transactionManager, config, listener, Clock.systemUTC());
    }

    Fence(DataSource dataSource, PlatformTransactionManager transactionManager, FenceConfig config,
          FenceListener listener, Clock clock) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.transactionManager = Objects.requireNonNull(transactionManager, "transactionManager");
        this.config = Objects.requireNonNull(config, "config");
        this.listener = Objects.requireNonNull(listener, "listener");
        this.clock = clock;
        if (transactionManager instanceof DataSourceTransactionManager dstm && dstm.getDataSource() != dataSource) {
            throw new IllegalArgumentException("the transaction manager manages another DataSource than the fence's:"
                    + " the fence row and the business SQL would commit separately");
        }
        Dialect dialect = config.dialect() != null ? config.dialect() : Dialect.detect(dataSource);
        this.repository = new FenceRepository(dialect, config.tableName());
    }

    /** A fence with its own {@link DataSourceTransactionManager} and default settings. */
    public static Fence of(DataSource dataSource) {
        return new Fence(dataSource, new DataSourceTransactionManager(dataSource), FenceConfig.ofDefaults(),
                FenceListener.NONE);
    }

    public FenceConfig config() {
        return config;
    }

    /** The DataSource whose transactions the fence rows join. */
    public DataSource dataSource() {
        return dataSource;
    }

    /**
     * Runs a try: records the branch as TRIED and runs {@code business} in the same local transaction.
     *
     * @param args     the try's arguments as text (recorded for confirm and cancel to replay), or null
     * @param deadline the transaction's deadline as the initiator set it
     * @return {@link FenceOutcome#EXECUTED} with the business result, or {@link FenceOutcome#DUPLICATE}
     * @throws TryRefusedException        the branch was cancelled first, or the deadline passed: nothing ran
     * @throws ProtocolViolationException the branch id is recorded for another action
     * @throws Throwable                  whatever {@code business} threw, unchanged, after rolling back
     */
    public <T> FenceResult<T> tryBranch(BranchKey key, String action, String args, Instant deadline,
                                        BranchCallback<T> business) throws Throwable {
        Objects.requireNonNull(key, "key");
        Identifiers.requireAction(action);
        checkArgs(args);
        Call call = new Call(key, FencePhase.TRY, action, checkDeadline(key, deadline));
        return inTransaction(call, (connection, callerSnapshot) -> {
            FenceRepository.Insert insert = repository.insertTried(connection, key, action, args, call.deadlineMs());
            if (insert == FenceRepository.Insert.INSERTED) {
                T value = business.proceed();
                requireIntact(connection, call, FenceState.TRIED);
                return FenceResult.executed(value);
            }
            // a duplicate key proves the row exists, so a current read is safe; otherwise read lock-free
            Optional<FenceRecord> found = repository.find(connection, key, insert == FenceRepository.Insert.DUPLICATE);
            if (found.isEmpty()) {
                throw refuse(new TryRefusedException(key, TryRefusedException.Reason.DEADLINE_PASSED));
            }
            return alreadyDone(call, found.get());
        });
    }

    /**
     * Runs a confirm: moves the branch from TRIED to CONFIRMED and runs {@code business} with the recorded try in
     * the same local transaction.
     *
     * @param deadline the transaction's deadline, as carried with the call: a confirm that finds no row for a deadline
     *                 further back than the minimum retention is a late repeat whose row cleanup removed
     * @return {@link FenceOutcome#EXECUTED}, {@link FenceOutcome#DUPLICATE} or {@link FenceOutcome#CLEANED_UP}
     * @throws ProtocolViolationException the branch was never tried here, or was cancelled
     * @throws Throwable                  whatever {@code business} threw, unchanged; the branch stays TRIED
     */
    public <T> FenceResult<T> confirm(BranchKey key, String action, Instant deadline, ReplayCallback<T> business)
            throws Throwable {
        Objects.requireNonNull(key, "key");
        Identifiers.requireAction(action);
        Call call = new Call(key, FencePhase.CONFIRM, action, checkDeadline(key, deadline));
        return inTransaction(call, (connection, callerSnapshot) -> {
            if (repository.transition(connection, key, action, FenceState.TRIED, FenceState.CONFIRMED)) {
                T value = business.proceed(recordedTry(connection, key));
                requireIntact(connection, call, FenceState.CONFIRMED);
                return FenceResult.executed(value);
            }
            // A current read, though the row may be absent: confirm never inserts, so its gap lock cannot close a
            // deadlock cycle, and a snapshot read could miss a row committed after this transaction's snapshot.
            Optional<FenceRecord> row = repository.find(connection, key, true);
            if (row.isPresent()) {
                return alreadyDone(call, row.get());
            }
            if (callerSnapshot) {
                throw new NotInSnapshot(); // PostgreSQL's current read still misses rows newer than the caller's snapshot
            }
            return absent(connection, call);
        });
    }

    /**
     * Runs a cancel: moves the branch from TRIED to CANCELLED and runs {@code business} with the recorded try in the
     * same local transaction; with no try recorded, records an empty cancel and runs nothing, so a try that
     * arrives later is refused.
     *
     * @param deadline the transaction's deadline, recorded with an empty cancel
     * @return {@link FenceOutcome#EXECUTED}, {@link FenceOutcome#EMPTY_CANCEL}, {@link FenceOutcome#DUPLICATE} or
     *         {@link FenceOutcome#CLEANED_UP}
     * @throws ProtocolViolationException the branch was already confirmed
     * @throws Throwable                  whatever {@code business} threw, unchanged; the branch stays TRIED
     */
    public <T> FenceResult<T> cancel(BranchKey key, String action, Instant deadline, ReplayCallback<T> business)
            throws Throwable {
        Objects.requireNonNull(key, "key");
        Identifiers.requireAction(action);
        Call call = new Call(key, FencePhase.CANCEL, action, checkDeadline(key, deadline));
        return inTransaction(call, (connection, callerSnapshot) -> {
            // A lock-free read picks the path: a row that exists is moved by compare-and-set (a record lock only);
            // a row that does not is inserted, never locked first (that gap lock deadlocks with other inserts).
            if (repository.find(connection, key, false).isEmpty()) {
                // past the retention no try can insert here any more (its deadline refuses it), so no gap lock contends
                if (isPastRetention(connection, call) && repository.find(connection, key, true).isEmpty()) {
                    return absent(connection, call);
                }
                if (repository.insertEmptyCancel(connection, key, action, call.deadlineMs())
                        == FenceRepository.Insert.INSERTED) {
                    return FenceResult.emptyCancel();
                }
            }
            if (repository.transition(connection, key, action, FenceState.TRIED, FenceState.CANCELLED)) {
                T value = business.proceed(recordedTry(connection, key));
                requireIntact(connection, call, FenceState.CANCELLED);
                return FenceResult.executed(value);
            }
            return alreadyDone(call, currentState(connection, key));
        });
    }

    /** The branch's row as committed now, or empty; a lock-free read outside any fenced call. */
    public Optional<FenceRecord> find(BranchKey key) {
        Connection connection = DataSourceUtils.getConnection(dataSource);
        try {
            return repository.find(connection, key, false);
        } catch (SQLException e) {
            throw storeFailure(key, "read", e);
        } finally {
            DataSourceUtils.releaseConnection(connection, dataSource);
        }
    }

    /**
     * Deletes finished (CONFIRMED or CANCELLED) rows last changed, and whose deadline lies, more than {@code retention}
     * ago, by the database's clock, one batch of keys per local transaction. Rows still TRIED are never deleted.
     *
     * @return how many rows were deleted
     * @throws IllegalArgumentException when the retention is shorter than {@link FenceConfig#minimumRetention()}, naming
     *                                  the settings that make it up (see {@link io.tcc.RetentionRule})
     */
    public int deleteFinished(Duration retention, int batchSize) {
        config.retentionRule().requireRetention(retention);
        if (batchSize < 1 || batchSize > 10_000) {
            throw new IllegalArgumentException("batchSize must be between 1 and 10000, was " + batchSize);
        }
        DefaultTransactionDefinition definition = new DefaultTransactionDefinition(
                DefaultTransactionDefinition.PROPAGATION_REQUIRES_NEW);
        definition.setName("tcc-fence:cleanup");
        int total = 0;
        while (true) {
            TransactionStatus status = transactionManager.getTransaction(definition);
            int deleted;
            List<BranchKey> keys;
            Connection connection = DataSourceUtils.getConnection(dataSource);
            try {
                keys = repository.findFinished(connection, retention, batchSize);
                deleted = repository.deleteFinished(connection, keys, retention);
            } catch (SQLException | RuntimeException e) {
                transactionManager.rollback(status);
                throw new FenceStoreException("fence cleanup failed after deleting " + total + " rows: " + e.getMessage(), e);
            } finally {
                DataSourceUtils.releaseConnection(connection, dataSource);
            }
            transactionManager.commit(status);
            total += deleted;
            if (keys.size() < batchSize) {
                log.debug("fence cleanup deleted {} finished rows older than {}", total, retention);
                return total;
            }
        }
    }

    private FenceRecord recordedTry(Connection connection, BranchKey key) throws SQLException {
        // this transaction just changed the row, so even a snapshot read sees it
        return repository.find(connection, key, false).orElseThrow(() -> new ConcurrentChange(key));
    }

    /** A current read of a row a failed compare-and-set found in another state; absent means cleanup raced us. */
    private FenceRecord currentState(Connection connection, BranchKey key) throws SQLException {
        return repository.find(connection, key, true).orElseThrow(() -> new ConcurrentChange(key));
    }

    /**
     * The fence table's answer for a call that found its branch's row and has nothing to run: a duplicate, or a refusal.
     * A row still TRIED under a confirm or cancel was moved between two of this call's statements: run it again.
     */
    private static <T> FenceResult<T> alreadyDone(Call call, FenceRecord row) {
        BranchKey key = row.key();
        if (!row.action().equals(call.action())) {
            throw refuse(new ProtocolViolationException(key, call.phase(), row.state(),
                    "the branch is recorded for action '" + row.action() + "', not '" + call.action() + "'"));
        }
        return switch (call.phase()) {
            case TRY -> {
                if (row.state() == FenceState.CANCELLED) {
                    throw refuse(new TryRefusedException(key, TryRefusedException.Reason.SUSPENDED));
                }
                yield FenceResult.duplicate();
            }
            case CONFIRM -> switch (row.state()) {
                case CONFIRMED -> FenceResult.duplicate();
                case CANCELLED -> throw refuse(new ProtocolViolationException(key, FencePhase.CONFIRM, FenceState.CANCELLED,
                        row.emptyCancel() ? "the branch was cancelled before any try arrived" : "the branch was cancelled"));
                case TRIED -> throw new ConcurrentChange(key);
            };
            case CANCEL -> switch (row.state()) {
                case CANCELLED -> FenceResult.duplicate();
                case CONFIRMED -> throw refuse(new ProtocolViolationException(key, FencePhase.CANCEL, FenceState.CONFIRMED,
                        "the branch was already confirmed; a confirmed branch cannot be cancelled"));
                case TRIED -> throw new ConcurrentChange(key);
            };
        };
    }

    /**
     * A confirm or cancel with no row to act on. Past the retention, cleanup may have removed the row of a branch that
     * finished: answered as finished. Within it, a confirm is a protocol violation (a cancel records an empty one).
     */
    private <T> FenceResult<T> absent(Connection connection, Call call) throws SQLException {
        if (isPastRetention(connection, call)) {
            return FenceResult.cleanedUp();
        }
        throw refuse(new ProtocolViolationException(call.key(), call.phase(), null,
                "the branch was never tried here (no fence row, and its deadline " + Instant.ofEpochMilli(call.deadlineMs())
                        + " lies within the minimum retention " + config.minimumRetention() + ", so cleanup did not remove it)"));
    }

    /** True when the call's deadline lies further back than the minimum retention, by the database's clock. */
    private boolean isPastRetention(Connection connection, Call call) throws SQLException {
        return call.deadlineMs() < repository.nowMillis(connection) - config.minimumRetention().toMillis();
    }

    /**
     * Success only for a row this transaction can still commit: a business method that caught an error of its own SQL
     * may have lost the transaction underneath us (PostgreSQL aborts it and turns COMMIT into a rollback; InnoDB rolls a
     * deadlock victim back whole), and then the row it reads back is gone or the read itself fails.
     */
    private void requireIntact(Connection connection, Call call, FenceState expected) {
        Optional<FenceRecord> row;
        try {
            row = repository.find(connection, call.key(), false);
        } catch (SQLException e) {
            throw new LocalTransactionLostException(call.key(), call.phase(), e);
        }
        if (row.isEmpty() || row.get().state() != expected) {
            throw new LocalTransactionLostException(call.key(), call.phase(), null);
        }
    }

    /**
     * PostgreSQL, inside a caller's REPEATABLE READ transaction: the call met a row committed after the caller's
     * snapshot (a serialization failure, or a current read that still misses it). The savepoint has undone this call;
     * the answer comes from the row as committed now, read on a connection of its own.
     */
    private <T> FenceResult<T> fromCommittedState(Call call, Throwable conflict) throws SQLException {
        try (Connection fresh = dataSource.getConnection()) {
            Optional<FenceRecord> row = repository.find(fresh, call.key(), false);
            if (row.isEmpty()) {
                if (call.phase() == FencePhase.CONFIRM) {
                    return absent(fresh, call);
                }
                throw new FenceConflictException(call.key(), call.phase(), 1, true, conflict);
            }
            if (row.get().state() == FenceState.TRIED && call.phase() != FencePhase.TRY) {
                throw refuse(new SnapshotTooOldException(call.key(), call.phase(), FenceState.TRIED));
            }
            return alreadyDone(call, row.get());
        }
    }

    /** Marks a refusal decided by the fence itself (never one a business method threw): nothing was written. */
    private static Refusal refuse(io.tcc.TccException refusal) {
        return new Refusal(refusal);
    }

    private void checkArgs(String args) {
        if (args != null && args.indexOf('\u0000') >= 0 && repository.dialect() == Dialect.POSTGRESQL) {
            throw new BadInputException("try arguments contain the NUL character (U+0000), which PostgreSQL cannot store"
                    + " in a text column; nothing was recorded. Encode such values (an ArgumentCodec such as the default"
                    + " Java serialization one never produces NUL)");
        }
        if (args != null) {
            int bytes = args.getBytes(StandardCharsets.UTF_8).length;
            if (bytes > config.maxArgsBytes()) {
                throw new BadInputException("try arguments are " + bytes + " bytes in UTF-8; at most "
                        + config.maxArgsBytes() + " are recorded");
            }
        }
    }

    private long checkDeadline(BranchKey key, Instant deadline) {
        if (deadline == null) {
            throw new BadInputException("deadline is missing for " + key);
        }
        Instant latest = clock.instant().plus(config.maxTransactionTimeout()).plus(config.clockSkewMargin());
        if (deadline.isAfter(latest)) {
            throw new BadInputException("deadline " + deadline + " of " + key + " lies more than "
                    + RetentionRule.LONGEST_TRANSACTION_KEY + " (" + config.maxTransactionTimeout() + ") plus "
                    + RetentionRule.CLOCK_SKEW_MARGIN_KEY + " (" + config.clockSkewMargin() + ") ahead of this"
                    + " participant's clock: cleanup could not keep its row long enough to refuse a late try. Give the"
                    + " transaction a shorter timeout, or raise " + RetentionRule.LONGEST_TRANSACTION_KEY + " here");
        }
        return deadline.toEpochMilli();
    }

    /** What a fenced call is about; the deadline in epoch milliseconds, as carried with the call. */
    private record Call(BranchKey key, FencePhase phase, String action, long deadlineMs) {
    }

    /** One attempt of a fenced call, on the transaction's connection. */
    @FunctionalInterface
    private interface FencedWork<T> {
        /**
         * @param callerSnapshot true when the call runs inside a caller's PostgreSQL transaction, whose snapshot may be
         *                       older than the row (its current reads too miss rows committed after it)
         */
        FenceResult<T> run(Connection connection, boolean callerSnapshot) throws Throwable;
    }

    /** Carries a refusal out of the transaction; the fence wrote nothing before throwing it. */
    private static final class Refusal extends RuntimeException {
        final io.tcc.TccException refusal;

        Refusal(io.tcc.TccException refusal) {
            super(null, null, false, false);
            this.refusal = refusal;
        }
    }

    /** A state seen in the middle of another call's change; the transaction is simply run again. */
    private static final class ConcurrentChange extends RuntimeException {
        ConcurrentChange(BranchKey key) {
            super("fence row " + key + " changed between two statements of one call", null, false, false);
        }
    }

    /** A row the caller's snapshot cannot see; answered from the committed state (see fromCommittedState). */
    private static final class NotInSnapshot extends RuntimeException {
        NotInSnapshot() {
            super("the fence row is not visible in the caller's snapshot", null, false, false);
        }
    }

    private <T> FenceResult<T> inTransaction(Call call, FencedWork<T> work) throws Throwable {
        BranchKey key = call.key();
        FencePhase phase = call.phase();
        DefaultTransactionDefinition definition = new DefaultTransactionDefinition();
        definition.setName("tcc-fence:" + phase.name().toLowerCase());
        for (int attempt = 1; ; attempt++) {
            TransactionStatus status = transactionManager.getTransaction(definition);
            boolean joined = !status.isNewTransaction();
            // On PostgreSQL any failed statement aborts the whole transaction: inside a caller's, work under a
            // savepoint so that a refusal or conflict of ours leaves the caller's transaction usable.
            boolean callerSnapshot = joined && repository.dialect() == Dialect.POSTGRESQL;
            Object savepoint = callerSnapshot ? status.createSavepoint() : null;
            FenceResult<T> result;
            Connection connection = DataSourceUtils.getConnection(dataSource);
            try {
                result = work.run(connection, callerSnapshot);
            } catch (Refusal r) {
                finishWithoutChanges(status, joined, savepoint);
                report(key, r.refusal);
                throw r.refusal;
            } catch (Throwable failure) {
                if (savepoint != null && (failure instanceof NotInSnapshot || isConflict(failure))) {
                    try {
                        status.rollbackToSavepoint(savepoint);
                        result = fromCommittedState(call, failure);
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
                rollback(status, failure);
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

    private boolean isConflict(Throwable failure) {
        return failure instanceof ConcurrentChange || repository.dialect().isConflict(failure);
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

    private void rollback(TransactionStatus status, Throwable failure) {
        try {
            transactionManager.rollback(status);
        } catch (TransactionSystemException rollbackFailure) {
            rollbackFailure.initApplicationException(failure);
            throw rollbackFailure;
        } catch (RuntimeException | Error rollbackFailure) {
            failure.addSuppressed(rollbackFailure);
        }
    }

    private FenceStoreException storeFailure(BranchKey key, String what, SQLException e) {
        return new FenceStoreException("fence " + what + " of " + key + " failed on table " + config.tableName()
                + " (SQLState " + e.getSQLState() + ", code " + e.getErrorCode() + "): " + e.getMessage()
                + "; nothing was recorded, the call may be retried once the database answers", e);
    }

    private void report(Call call, FenceOutcome outcome) {
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

    private void report(BranchKey key, RuntimeException refusal) {
        log.info(refusal.getMessage());
        if (refusal instanceof TryRefusedException refused) {
            listener.onTryRefused(key, refused.reason());
        }
    }
}
