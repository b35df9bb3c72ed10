package io.tcc.fence;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DataSourceUtils;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;

import io.tcc.Timing;
import io.tcc.Identifiers;
import io.tcc.jdbc.Dialect;
import io.tcc.jdbc.LocalTransactions;

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
    private final FencedTransaction transactions;
    private final FencedBatch batch;
    private final FenceListener listener;
    private final FenceObservations observations;

    /** Deadlines are checked against {@code config.timing().clock()}. */
    public Fence(DataSource dataSource, PlatformTransactionManager transactionManager, FenceConfig config,
                 FenceListener listener) {
        this(dataSource, transactionManager, config, listener, FenceObservations.NONE);
    }

    /** Like the other constructor, each call observed as {@code tcc.participant} through {@code observations}. */
    public Fence(DataSource dataSource, PlatformTransactionManager transactionManager, FenceConfig config,
                 FenceListener listener, FenceObservations observations) {
        this.observations = Objects.requireNonNull(observations, "observations");
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.transactionManager = Objects.requireNonNull(transactionManager, "transactionManager");
        this.config = Objects.requireNonNull(config, "config");
        this.listener = Objects.requireNonNull(listener, "listener");
        if (transactionManager instanceof DataSourceTransactionManager dstm && dstm.getDataSource() != dataSource) {
            throw new IllegalArgumentException("the transaction manager manages another DataSource than the fence's:"
                    + " the fence row and the business SQL would commit separately");
        }
        Dialect dialect = config.dialect() != null ? config.dialect() : Dialect.detect(dataSource);
        this.repository = new FenceRepository(dialect, config.tableName());
        this.transactions = new FencedTransaction(dataSource, transactionManager, dialect, config, listener);
        this.batch = new FencedBatch(transactions);
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
        config.requireRecordable(args, repository.dialect());
        FencedTransaction.Call call = new FencedTransaction.Call(key, FencePhase.TRY, action, config.requireDeadline(key, deadline));
        return observed(call, (connection, callerSnapshot, watch) -> {
            FenceRepository.Insert insert = repository.insertTried(connection, key, action, args, call.deadlineMs());
            if (insert == FenceRepository.Insert.INSERTED) {
                return executed(connection, call, FenceState.TRIED, watch.run(connection, business::proceed));
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
        return confirm(key, action, deadline, null, business);
    }

    /**
     * Like {@link #confirm(BranchKey, String, Instant, ReplayCallback)}, with the try's arguments at hand as its caller
     * kept them (the encoded text the try recorded): the compare-and-set then also requires the row to hold exactly
     * those, and {@code business} gets them without the row being read back. A row that recorded other arguments is
     * moved as without them and replays its own.
     *
     * @param triedArgs the try's recorded arguments as the caller kept them, or null to read them from the row
     */
    public <T> FenceResult<T> confirm(BranchKey key, String action, Instant deadline, String triedArgs,
                                      ReplayCallback<T> business) throws Throwable {
        Objects.requireNonNull(key, "key");
        Identifiers.requireAction(action);
        FencedTransaction.Call call = new FencedTransaction.Call(key, FencePhase.CONFIRM, action, config.requireDeadline(key, deadline));
        return observed(call, confirming(call, triedArgs, business));
    }

    private <T> FencedTransaction.Work<T> confirming(FencedTransaction.Call call, String triedArgs,
                                                    ReplayCallback<T> business) {
        BranchKey key = call.key();
        return (connection, callerSnapshot, watch) -> {
            FenceRecord tried = move(connection, call, FenceState.CONFIRMED, triedArgs);
            if (tried != null) {
                return executed(connection, call, FenceState.CONFIRMED, watch.run(connection, () -> business.proceed(tried)));
            }
            // A current read, though the row may be absent: confirm never inserts, so its gap lock cannot close a
            // deadlock cycle, and a snapshot read could miss a row committed after this transaction's snapshot.
            Optional<FenceRecord> row = repository.find(connection, key, true);
            if (row.isPresent()) {
                return alreadyDone(call, row.get());
            }
            if (callerSnapshot) {
                throw new FencedTransaction.NotInSnapshot(); // PostgreSQL's current read still misses rows newer than the caller's snapshot
            }
            return absent(connection, call);
        };
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
        return cancel(key, action, deadline, null, business);
    }

    /**
     * Like {@link #cancel(BranchKey, String, Instant, ReplayCallback)}, with the try's arguments at hand; see
     * {@link #confirm(BranchKey, String, Instant, String, ReplayCallback)}.
     *
     * @param triedArgs the try's recorded arguments as the caller kept them, or null to read them from the row
     */
    public <T> FenceResult<T> cancel(BranchKey key, String action, Instant deadline, String triedArgs,
                                     ReplayCallback<T> business) throws Throwable {
        Objects.requireNonNull(key, "key");
        Identifiers.requireAction(action);
        FencedTransaction.Call call = new FencedTransaction.Call(key, FencePhase.CANCEL, action, config.requireDeadline(key, deadline));
        return observed(call, cancelling(call, triedArgs, business));
    }

    /** One call alone, in its own {@code tcc.participant} observation. */
    private <T> FenceResult<T> observed(FencedTransaction.Call call, FencedTransaction.Work<T> work) throws Throwable {
        FenceObservations.Observed observed = observations.start(call);
        try {
            FenceResult<T> result = transactions.run(call, observed.scoped(work), this::fromCommittedState);
            observed.stop(result, null);
            return result;
        } catch (Throwable failure) {
            observed.stop(null, failure);
            throw failure;
        }
    }

    private <T> FencedTransaction.Work<T> cancelling(FencedTransaction.Call call, String triedArgs,
                                                    ReplayCallback<T> business) {
        BranchKey key = call.key();
        String action = call.action();
        return (connection, callerSnapshot, watch) -> {
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
            FenceRecord tried = move(connection, call, FenceState.CANCELLED, triedArgs);
            if (tried != null) {
                return executed(connection, call, FenceState.CANCELLED, watch.run(connection, () -> business.proceed(tried)));
            }
            return alreadyDone(call, currentState(connection, key));
        };
    }

    /** One confirm or cancel of a batch: what {@link Fence#confirm} or {@link Fence#cancel} takes. */
    public record PhaseTwoCall(BranchKey key, FencePhase phase, String action, Instant deadline, String triedArgs,
                               ReplayCallback<?> business) {
    }

    /**
     * What one call of a batch came to, exactly as the call alone would have: its result, or what it would have thrown.
     */
    public record Settled(FenceResult<?> result, Throwable failure) {

        public Settled {
            if ((result == null) == (failure == null)) {
                throw new IllegalArgumentException("a settled call has a result or a failure, not both nor neither");
            }
        }

        static Settled of(FenceResult<?> result) {
            return new Settled(result, null);
        }

        static Settled failed(Throwable failure) {
            return new Settled(null, failure);
        }
    }

    /**
     * Runs confirms and cancels of several branches in one local transaction, each with its own compare-and-set, its
     * own business method and its own answer, under a savepoint of its own: a call that fails or is refused is rolled
     * back to its savepoint alone, and the others commit. Results are given only once the transaction committed. A
     * call that lost a lock conflict runs again alone afterwards; when the database rolled the whole transaction back
     * (an InnoDB deadlock victim), every call runs again alone, so no answer ever stands for a rolled-back row.
     *
     * @return one {@link Settled} per call, in order; the transaction is always a new one, never a caller's
     */
    public List<Settled> phaseTwoTogether(List<PhaseTwoCall> calls) {
        List<FencedBatch.Member<?>> members = new ArrayList<>();
        FenceObservations.Observed[] observed = new FenceObservations.Observed[calls.size()];
        Settled[] refused = new Settled[calls.size()];
        for (int i = 0; i < calls.size(); i++) {
            try {
                members.add(member(calls.get(i), observed, i));
            } catch (RuntimeException e) {
                refused[i] = Settled.failed(e); // a malformed call: nothing ran for it
                members.add(null);
            }
        }
        List<Settled> settled = batch.runTogether(members, this::alone);
        List<Settled> all = new ArrayList<>(calls.size());
        for (int i = 0; i < calls.size(); i++) {
            Settled one = refused[i] != null ? refused[i] : settled.get(i);
            if (observed[i] != null) {
                observed[i].stop(one.result(), one.failure());
            }
            all.add(one);
        }
        return all;
    }

    /** A batch member, its work opened in the observation started for it (each member observed as if alone). */
    @SuppressWarnings("unchecked")
    private FencedBatch.Member<?> member(PhaseTwoCall c, FenceObservations.Observed[] observed, int index) {
        Objects.requireNonNull(c.key(), "key");
        Identifiers.requireAction(c.action());
        if (c.phase() == FencePhase.TRY) {
            throw new IllegalArgumentException("only confirms and cancels run together, not a try (" + c.key() + ")");
        }
        FencedTransaction.Call call = new FencedTransaction.Call(c.key(), c.phase(), c.action(),
                config.requireDeadline(c.key(), c.deadline()));
        ReplayCallback<Object> business = (ReplayCallback<Object>) c.business();
        observed[index] = observations.start(call);
        return new FencedBatch.Member<>(call, observed[index].scoped(c.phase() == FencePhase.CONFIRM
                ? confirming(call, c.triedArgs(), business) : cancelling(call, c.triedArgs(), business)));
    }

    private <T> Settled alone(FencedBatch.Member<T> member) {
        try {
            return Settled.of(transactions.run(member.call(), member.work(), this::fromCommittedState));
        } catch (Throwable e) {
            return Settled.failed(e);
        }
    }

    /** The branch's row as committed now, or empty; a lock-free read outside any fenced call. */
    public Optional<FenceRecord> find(BranchKey key) {
        Connection connection = DataSourceUtils.getConnection(dataSource);
        try {
            return repository.find(connection, key, false);
        } catch (SQLException e) {
            throw transactions.storeFailure(key, "read", e);
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
     *                                  the settings that make it up (see {@link Timing})
     */
    public int deleteFinished(Duration retention, int batchSize) {
        config.timing().requireRetention(retention, Timing.Rows.FENCE);
        if (batchSize < 1 || batchSize > 10_000) {
            throw new IllegalArgumentException("tcc.recovery.cleanup.batch-size must be between 1 and 10000, was " + batchSize);
        }
        LocalTransactions cleanup = new LocalTransactions(dataSource, transactionManager);
        int total = 0;
        while (true) {
            List<BranchKey> keys = new ArrayList<>();
            int deleted;
            try {
                deleted = cleanup.inNew("tcc-fence:cleanup", TransactionDefinition.ISOLATION_DEFAULT, c -> {
                    keys.addAll(repository.findFinished(c, retention, batchSize));
                    return repository.deleteFinished(c, keys, retention);
                });
            } catch (Throwable e) {
                throw new FenceStoreException("fence cleanup failed after deleting " + total + " rows: " + e.getMessage(), e);
            }
            total += deleted;
            if (keys.size() < batchSize) {
                log.debug("fence cleanup deleted {} finished rows older than {}", total, retention);
                return total;
            }
        }
    }

    /**
     * The compare-and-set from TRIED to {@code to}; the try as recorded when it moved the row, else null. Arguments at
     * hand are checked by the compare-and-set itself and replayed without a read; arguments that differ from the
     * row's (a row written by another codec, or a caller's mistake) are never replayed: the row's own are.
     */
    private FenceRecord move(Connection connection, FencedTransaction.Call call, FenceState to, String triedArgs)
            throws SQLException {
        BranchKey key = call.key();
        if (triedArgs != null) {
            if (repository.transition(connection, key, call.action(), FenceState.TRIED, to, triedArgs)) {
                return new FenceRecord(key, call.action(), to, false, triedArgs,
                        Instant.ofEpochMilli(call.deadlineMs()), null, null);
            }
        }
        if (!repository.transition(connection, key, call.action(), FenceState.TRIED, to)) {
            return null;
        }
        if (triedArgs != null) {
            log.info("{} of {} carried other arguments than its try recorded (another codec wrote the row?):"
                    + " replaying the recorded ones", call.phase(), key);
        }
        return recordedTry(connection, key);
    }

    private FenceRecord recordedTry(Connection connection, BranchKey key) throws SQLException {
        // this transaction just changed the row, so even a snapshot read sees it
        return repository.find(connection, key, false).orElseThrow(() -> new FencedTransaction.ConcurrentChange(key));
    }

    /** A current read of a row a failed compare-and-set found in another state; absent means cleanup raced us. */
    private FenceRecord currentState(Connection connection, BranchKey key) throws SQLException {
        return repository.find(connection, key, true).orElseThrow(() -> new FencedTransaction.ConcurrentChange(key));
    }

    /**
     * The fence table's answer for a call that found its branch's row and has nothing to run: a duplicate, or a refusal.
     * A row still TRIED under a confirm or cancel was moved between two of this call's statements: run it again.
     */
    private static <T> FenceResult<T> alreadyDone(FencedTransaction.Call call, FenceRecord row) {
        BranchKey key = row.key();
        if (!row.action().equals(call.action())) {
            throw refuse(new ProtocolViolationException(key, call.phase(), row.state(),
                    "the branch is recorded for action '" + row.action() + "', not '" + call.action() + "'"));
        }
        return switch (row.state().found(call.phase())) {
            case DUPLICATE -> FenceResult.duplicate();
            case SUSPENDED -> throw refuse(new TryRefusedException(key, TryRefusedException.Reason.SUSPENDED));
            case MOVING -> throw new FencedTransaction.ConcurrentChange(key);
            case VIOLATION -> throw refuse(new ProtocolViolationException(key, call.phase(), row.state(),
                    row.state() == FenceState.CONFIRMED
                            ? "the branch was already confirmed; a confirmed branch cannot be cancelled"
                            : row.emptyCancel() ? "the branch was cancelled before any try arrived" : "the branch was cancelled"));
        };
    }

    /**
     * A confirm or cancel with no row to act on. Past the retention, cleanup may have removed the row of a branch that
     * finished: answered as finished. Within it, a confirm is a protocol violation (a cancel records an empty one).
     */
    private <T> FenceResult<T> absent(Connection connection, FencedTransaction.Call call) throws SQLException {
        if (isPastRetention(connection, call)) {
            return FenceResult.cleanedUp();
        }
        throw refuse(new ProtocolViolationException(call.key(), call.phase(), null,
                "the branch was never tried here (no fence row, and its deadline " + Instant.ofEpochMilli(call.deadlineMs())
                        + " lies within the minimum retention " + config.minimumRetention() + ", so cleanup did not remove it)"));
    }

    /** True when the call's deadline lies further back than the minimum retention, by the database's clock. */
    private boolean isPastRetention(Connection connection, FencedTransaction.Call call) throws SQLException {
        return call.deadlineMs() < repository.nowMillis(connection) - config.minimumRetention().toMillis();
    }

    /** Success, once the row is known intact: read back only when the business method did anything suspect. */
    private <T> FenceResult<T> executed(Connection connection, FencedTransaction.Call call, FenceState expected,
                                        TransactionWatch.Watched<T> business) {
        if (business.suspect()) {
            requireIntact(connection, call, expected);
        }
        return FenceResult.executed(business.value());
    }

    /**
     * Success only for a row this transaction can still commit: a business method that caught an error of its own SQL
     * may have lost the transaction underneath us (PostgreSQL aborts it and turns COMMIT into a rollback; InnoDB rolls a
     * deadlock victim back whole), and then the row it reads back is gone or the read itself fails.
     */
    private void requireIntact(Connection connection, FencedTransaction.Call call, FenceState expected) {
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
    private <T> FenceResult<T> fromCommittedState(FencedTransaction.Call call, Throwable conflict) throws SQLException {
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
    private static FencedTransaction.Refusal refuse(io.tcc.TccException refusal) {
        return new FencedTransaction.Refusal(refusal);
    }
}
