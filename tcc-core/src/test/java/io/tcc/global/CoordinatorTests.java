package io.tcc.global;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DelegatingDataSource;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

import io.tcc.Timing;
import io.tcc.context.TransactionContext;
import io.tcc.fence.BranchKey;
import io.tcc.fence.Fence;
import io.tcc.fence.FenceConfig;
import io.tcc.fence.FenceListener;
import io.tcc.fence.FenceState;
import io.tcc.participant.ActionDescriptor;
import io.tcc.participant.ActionRegistry;
import io.tcc.participant.Interception;
import io.tcc.participant.JavaSerializationCodec;
import io.tcc.participant.LocalParticipant;
import io.tcc.test.Await;
import io.tcc.test.CountingDataSource;
import io.tcc.test.DatabaseKind;
import io.tcc.test.TestClock;
import io.tcc.test.TestDatabase;

/**
 * The initiator on a real database, driven the way the {@code @Try} aspect drives it. Two layouts: the global log in
 * the participant's own database (commits shared), and the log in a database of its own (crash points).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class CoordinatorTests {

    private TestDatabase shared;
    private TestDatabase logDatabase;
    private TestDatabase participantDatabase;

    /** One wiring of coordinator, participant and stock. */
    private record Wiring(Coordinator coordinator, ActionDescriptor reserve, StockActions actions, JdbcTemplate stockJdbc,
                          JdbcTemplate logJdbc, Fence fence, CountingDataSource counted) {
    }

    private Wiring sameDatabase;
    private Wiring separate;
    /** The log in a database of its own, completions lingering up to 3 s to ride on its next commit. */
    private Wiring lingering;
    /** Commits shared as in sameDatabase, on a pool whose connections wait at most 1 s for a row lock. */
    private HikariDataSource lockWaitPool;
    private Wiring lockTimeouts;
    /** Commits shared as in sameDatabase, on a REPEATABLE READ pool. */
    private HikariDataSource repeatableReadPool;
    private Wiring repeatableRead;
    /** The log in a database of its own, which {@link #logDown} takes away. */
    private Wiring failingLog;
    private final AtomicBoolean logDown = new AtomicBoolean();
    /** While set, the failing log's commits take effect but their answer is lost (a connection reset after COMMIT). */
    private final AtomicBoolean commitAnswersLost = new AtomicBoolean();
    private String sku;
    private final AtomicReference<CrashPoints.Point> crashAt = new AtomicReference<>();
    /**
     * The initiators' clock: a test moves it past a deadline instead of waiting. The participant's fence keeps the
     * system clock (its public constructor), never ahead of this one: no test here sends a try after moving it.
     */
    private final TestClock clock = TestClock.running();

    abstract DatabaseKind kind();

    @BeforeAll
    void createDatabases() {
        shared = TestDatabase.create(kind(), "coordinator").applySchema("fence.sql").applySchema("global.sql").run("tcc-test/stock.sql");
        logDatabase = TestDatabase.create(kind(), "coordinator_log").applySchema("global.sql");
        participantDatabase = TestDatabase.create(kind(), "coordinator_part").applySchema("fence.sql").run("tcc-test/stock.sql");
        CrashPoints crashPoints = (point, xid) -> {
            if (point == crashAt.get()) {
                throw new CrashPoints.SimulatedCrash(point, xid);
            }
        };
        CountingDataSource counted = new CountingDataSource(shared.dataSource());
        sameDatabase = wire(counted, counted, crashPoints, Duration.ZERO);
        separate = wire(logDatabase.dataSource(), participantDatabase.dataSource(), crashPoints, Duration.ZERO);
        // a linger longer than a loaded machine ever takes between two transactions; below the 5 s retry delay it needs
        lingering = wire(new CountingDataSource(logDatabase.dataSource()), participantDatabase.dataSource(), crashPoints,
                Duration.ofSeconds(3));
        HikariConfig lockWait = new HikariConfig();
        lockWait.setJdbcUrl(shared.jdbcUrl());
        lockWait.setMaximumPoolSize(4);
        lockWait.setConnectionInitSql(kind() == DatabaseKind.MYSQL ? "SET SESSION innodb_lock_wait_timeout = 1"
                : "SET lock_timeout = '1s'");
        lockWaitPool = new HikariDataSource(lockWait);
        lockTimeouts = wire(lockWaitPool, lockWaitPool, crashPoints, Duration.ZERO);
        repeatableReadPool = shared.newDataSource("TRANSACTION_REPEATABLE_READ", 4);
        repeatableRead = wire(repeatableReadPool, repeatableReadPool, crashPoints, Duration.ZERO);
        failingLog = wire(new DownableDataSource(logDatabase.dataSource(), logDown, commitAnswersLost),
                participantDatabase.dataSource(), crashPoints, Duration.ZERO);
    }

    /**
     * A database that goes down on a switch: every new connection is refused while {@code down} is set; while
     * {@code commitAnswersLost} is set, a commit takes effect and then reports a broken connection.
     */
    private static final class DownableDataSource extends DelegatingDataSource {
        private final AtomicBoolean down;
        private final AtomicBoolean commitAnswersLost;

        DownableDataSource(javax.sql.DataSource target, AtomicBoolean down, AtomicBoolean commitAnswersLost) {
            super(target);
            this.down = down;
            this.commitAnswersLost = commitAnswersLost;
        }

        @Override
        public Connection getConnection() throws SQLException {
            if (down.get()) {
                throw new SQLTransientConnectionException("the log database is down (simulated)", "08001");
            }
            Connection target = super.getConnection();
            return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class},
                    (proxy, method, args) -> {
                        Object result;
                        try {
                            result = method.invoke(target, args);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                        if (method.getName().equals("commit") && commitAnswersLost.get()) {
                            throw new SQLRecoverableException("connection reset after COMMIT was sent (simulated)", "08S01");
                        }
                        return result;
                    });
        }
    }

    private Wiring wire(javax.sql.DataSource logDs, javax.sql.DataSource participantDs, CrashPoints crashPoints,
                        Duration completionLinger) {
        DataSourceTransactionManager participantTx = new DataSourceTransactionManager(participantDs);
        Fence fence = new Fence(participantDs, participantTx, FenceConfig.ofDefaults(), FenceListener.NONE);
        JdbcTemplate stockJdbc = new JdbcTemplate(participantDs);
        StockActions actions = new StockActions(stockJdbc);
        ActionRegistry registry = new ActionRegistry(Interception.PROXY);
        registry.register(actions, StockActions.class);
        LocalParticipant local = new LocalParticipant(fence, registry, new JavaSerializationCodec());
        DataSourceTransactionManager logTx = logDs == participantDs ? participantTx : new DataSourceTransactionManager(logDs);
        // the coordinator's clock is the test's: moving it lets a deadline pass without waiting
        Timing timing = Timing.custom().recoveryMargin(Duration.ofMillis(1)).clock(clock).build();
        CoordinatorConfig config = CoordinatorConfig.custom().xidPrefix("test").timing(timing)
                .phaseTwoRetryDelay(Duration.ofSeconds(completionLinger.isZero() ? 1 : 5)).completionLinger(completionLinger)
                .build();
        Coordinator coordinator = new Coordinator(logDs, logTx, config, local, crashPoints);
        return new Wiring(coordinator, registry.forAction("reserve-stock"), actions, stockJdbc, new JdbcTemplate(logDs), fence,
                logDs instanceof CountingDataSource c ? c : null);
    }

    @AfterAll
    void dropDatabases() {
        lingering.coordinator.close();
        lockWaitPool.close();
        repeatableReadPool.close();
        shared.close();
        logDatabase.close();
        participantDatabase.close();
    }

    @BeforeEach
    void newSku() {
        sku = "sku-" + UUID.randomUUID();
        for (Wiring w : List.of(sameDatabase, separate)) { // the others share one of these stock databases
            w.stockJdbc.update("INSERT INTO stock (sku, available, frozen, sold) VALUES (?, 10, 0, 0)", sku);
        }
        for (Wiring w : List.of(sameDatabase, separate, lingering, lockTimeouts, failingLog)) {
            w.actions.failingConfirms.set(0);
            w.actions.confirmWork = () -> { };
            w.actions.releases.set(0);
        }
        crashAt.set(null);
        clock.reset(); // no transaction outlives its test: each starts at the system's time
        logDown.set(false);
        commitAnswersLost.set(false);
    }

    @Test
    void aBranchWhoseRegistrationCommittedUnbeknownToTheInitiatorIsStillCancelledFromTheLog() throws Throwable {
        AtomicReference<String> xid = new AtomicReference<>();
        assertThrows(GlobalLogException.class, () -> failingLog.coordinator.execute("lost-commit-answer",
                Duration.ofSeconds(30), () -> {
                    xid.set(currentXid());
                    reserve(failingLog, sku, 1);
                    commitAnswersLost.set(true); // the second registration commits, but the initiator never hears so
                    try {
                        return reserve(failingLog, sku, 2);
                    } finally {
                        commitAnswersLost.set(false);
                    }
                }));

        // the initiator cancelled the branch it knew; the one only the log knows keeps the transaction open
        assertEquals(GlobalState.CANCELLING, global(failingLog, xid.get()).state());
        assertEquals(List.of(BranchState.CANCELLED, BranchState.REGISTERED),
                failingLog.coordinator.log().branches(xid.get()).stream().map(BranchRecord::state).toList());

        assertEquals(GlobalState.CANCELLED, failingLog.coordinator.phaseTwo().resume(xid.get()).orElseThrow(), "what recovery does");
        assertTrue(failingLog.coordinator.log().branches(xid.get()).stream().allMatch(b -> b.state() == BranchState.CANCELLED));
        assertTrue(failingLog.fence.find(new BranchKey(xid.get(), "2")).orElseThrow().emptyCancel(),
                "its try was never sent: an empty cancel");
        assertArrayEquals(new int[] {10, 0, 0}, stock(failingLog, sku));
    }

    @Test
    void aSharedRegistrationThatMeetsACancelDecidedMeanwhileIsRefusedEvenAtRepeatableRead() throws Throwable {
        AtomicReference<CompletableFuture<Void>> operator = new AtomicReference<>();
        assertThrows(BranchRegistrationRefusedException.class, () -> repeatableRead.coordinator.execute("raced-by-cancel",
                Duration.ofSeconds(30), () -> {
                    reserve(repeatableRead, sku, 1);
                    // an operator's CANCEL holds the global row while the next registration (sharing the local try's
                    // commit, so at the pool's REPEATABLE READ) comes in
                    Connection decision = repeatableReadPool.getConnection();
                    decision.setAutoCommit(false);
                    try (PreparedStatement cancel = decision.prepareStatement(
                            "UPDATE tcc_global SET state = 'CANCELLING' WHERE xid = ? AND state = 'TRYING'")) {
                        cancel.setString(1, currentXid());
                        assertEquals(1, cancel.executeUpdate());
                    }
                    operator.set(CompletableFuture.runAsync(() -> {
                        try (decision) {
                            if (kind() == DatabaseKind.POSTGRESQL) {
                                // commit only once the registration waits: its snapshot is then older than the
                                // decision, which PostgreSQL answers with a serialization failure
                                Await.until("the registration to wait for the global row's lock", Duration.ofSeconds(30),
                                        () -> lockWaits() > 0);
                            } // InnoDB's UPDATE is a current read at any level: whenever the decision commits, it sees it
                            decision.commit();
                        } catch (SQLException e) {
                            throw new IllegalStateException(e);
                        }
                    }));
                    if (kind() == DatabaseKind.MYSQL) {
                        operator.get().get(30, TimeUnit.SECONDS);
                    }
                    return reserve(repeatableRead, sku, 2);
                }));
        operator.get().get(30, TimeUnit.SECONDS);
        // the refused branch's try never ran: only the first one froze stock, and its cancel released it
        assertArrayEquals(new int[] {10, 0, 0}, stock(repeatableRead, sku));
    }

    /** Sessions of this PostgreSQL server waiting for a lock now. */
    private int lockWaits() {
        return shared.jdbc().queryForObject("SELECT COUNT(*) FROM pg_locks WHERE NOT granted", Integer.class);
    }

    /** What the {@code @Try} aspect does: hand the call to the coordinator with the business method as callback. */
    private static String reserve(Wiring w, String sku, int quantity) throws Throwable {
        Object[] args = {sku, quantity};
        return w.coordinator.tryBranch(w.reserve, args, () -> {
            try {
                return (String) w.reserve.tryMethod().invoke(w.actions, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        });
    }

    private int[] stock(Wiring w, String sku) {
        return w.stockJdbc.queryForObject("SELECT available, frozen, sold FROM stock WHERE sku = ?",
                (rs, n) -> new int[] {rs.getInt(1), rs.getInt(2), rs.getInt(3)}, sku);
    }

    private static GlobalRecord global(Wiring w, String xid) {
        return w.coordinator.log().find(xid).orElseThrow();
    }

    private static String currentXid() {
        return TransactionContext.current().xid();
    }

    // --- confirm and cancel paths ---

    @Test
    void confirmPathOfOneLocalBranchCostsTwoCommits() throws Throwable {
        AtomicReference<String> xid = new AtomicReference<>();
        int before = sameDatabase.counted.commits();

        String result = sameDatabase.coordinator.execute("place-order", Duration.ofSeconds(10), () -> {
            xid.set(currentXid());
            return reserve(sameDatabase, sku, 3);
        });

        assertEquals(2, sameDatabase.counted.commits() - before,
                "begin+register+try share one commit; decision+confirm+finish share the other");
        assertEquals("reserved 3 " + sku, result);
        assertArrayEquals(new int[] {7, 0, 3}, stock(sameDatabase, sku));
        GlobalRecord tx = global(sameDatabase, xid.get());
        assertEquals(GlobalState.CONFIRMED, tx.state());
        assertNull(tx.nextAttempt(), "a finished transaction is no longer due");
        assertEquals(BranchState.CONFIRMED, sameDatabase.coordinator.log().branches(xid.get()).get(0).state());
        assertEquals(FenceState.CONFIRMED, sameDatabase.fence.find(new BranchKey(xid.get(), "1")).orElseThrow().state());
    }

    @Test
    void confirmPathConfirmsEveryBranchWithSeparateLog() throws Throwable {
        AtomicReference<String> xid = new AtomicReference<>();
        separate.coordinator.execute("two-branches", Duration.ofSeconds(10), () -> {
            xid.set(currentXid());
            reserve(separate, sku, 1);
            return reserve(separate, sku, 2);
        });

        assertArrayEquals(new int[] {7, 0, 3}, stock(separate, sku));
        assertEquals(GlobalState.CONFIRMED, global(separate, xid.get()).state());
        assertTrue(separate.coordinator.log().branches(xid.get()).stream().allMatch(b -> b.state() == BranchState.CONFIRMED));
    }

    @Test
    void aLingeringCompletionRidesOnTheNextCommitOrIsWrittenAloneAfterItsLinger() throws Throwable {
        List<String> xids = new ArrayList<>();
        int before = lingering.counted.commits();
        for (int i = 0; i < 2; i++) {
            lingering.coordinator.execute("lingering", Duration.ofSeconds(10), () -> {
                xids.add(currentXid());
                return reserve(lingering, sku, 1);
            });
        }
        // each transaction: its registration, then its decision; the first's completion rode on the second's registration
        assertEquals(4, lingering.counted.commits() - before);
        assertEquals(List.of("CONFIRMED", "CONFIRMED"), loggedStates(xids.get(0)));
        assertEquals(List.of("CONFIRMING", "REGISTERED"), loggedStates(xids.get(1)), "confirmed, not yet logged");
        assertArrayEquals(new int[] {8, 0, 2}, stock(lingering, sku), "both confirmed at the participant already");

        // nothing else to ride on: the second is written alone once its linger is over, well before it is due again
        Await.until("the second completion written after its linger", Duration.ofSeconds(6),
                () -> loggedStates(xids.get(1)).get(0).equals("CONFIRMED"));
        assertEquals(List.of("CONFIRMED", "CONFIRMED"), loggedStates(xids.get(1)));
        assertEquals(5, lingering.counted.commits() - before);
    }

    /** The transaction's and its one branch's state as the log holds them, read past the coordinator (whose reads
     * would carry waiting completions). */
    private List<String> loggedStates(String xid) {
        return List.of(lingering.logJdbc.queryForObject("SELECT state FROM tcc_global WHERE xid = ?", String.class, xid),
                lingering.logJdbc.queryForObject("SELECT state FROM tcc_branch WHERE xid = ?", String.class, xid));
    }

    @Test
    void aLingerAsLongAsThePhaseTwoRetryDelayIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> CoordinatorConfig.custom().phaseTwoRetryDelay(Duration.ofSeconds(1))
                .completionLinger(Duration.ofSeconds(1)).build());
    }

    @Test
    void definiteTryFailureCancelsEveryRegisteredBranchAndRethrowsIt() throws Throwable {
        for (Wiring w : List.of(sameDatabase, separate)) {
            AtomicReference<String> xid = new AtomicReference<>();
            StockActions.OutOfStock thrown = assertThrows(StockActions.OutOfStock.class,
                    () -> w.coordinator.execute("too-much", Duration.ofSeconds(10), () -> {
                        xid.set(currentXid());
                        reserve(w, sku, 4);
                        return reserve(w, sku, 40); // the second try fails after the first one tried
                    }));

            assertEquals("out of stock: " + sku, thrown.getMessage());
            assertArrayEquals(new int[] {10, 0, 0}, stock(w, sku), "the first branch was cancelled");
            assertEquals(GlobalState.CANCELLED, global(w, xid.get()).state());
            assertTrue(w.coordinator.log().branches(xid.get()).stream().allMatch(b -> b.state() == BranchState.CANCELLED));
        }
    }

    @Test
    void exceptionAfterAllTriesCancelsAndReachesTheCallerUnchanged() {
        IllegalStateException failure = new IllegalStateException("payment declined");
        AtomicReference<String> xid = new AtomicReference<>();
        IllegalStateException thrown = assertThrows(IllegalStateException.class,
                () -> sameDatabase.coordinator.execute("declined", Duration.ofSeconds(10), () -> {
                    xid.set(currentXid());
                    reserve(sameDatabase, sku, 2);
                    throw failure;
                }));

        assertSame(failure, thrown);
        assertArrayEquals(new int[] {10, 0, 0}, stock(sameDatabase, sku));
        assertEquals(GlobalState.CANCELLED, global(sameDatabase, xid.get()).state());
    }

    @Test
    void tryFailureSwallowedByTheInitiatorStillCancels() {
        AtomicReference<String> xid = new AtomicReference<>();
        GlobalTransactionCancelledException cancelled = assertThrows(GlobalTransactionCancelledException.class,
                () -> separate.coordinator.execute("swallowed", Duration.ofSeconds(10), () -> {
                    xid.set(currentXid());
                    reserve(separate, sku, 1);
                    try {
                        reserve(separate, sku, 99);
                    } catch (StockActions.OutOfStock ignored) {
                        // the initiator goes on as if nothing happened
                    }
                    return "done";
                }));

        assertTrue(cancelled.getMessage().contains("out of stock"), cancelled.getMessage());
        assertArrayEquals(new int[] {10, 0, 0}, stock(separate, sku));
        assertEquals(GlobalState.CANCELLED, global(separate, xid.get()).state());
    }

    @Test
    void nestedInitiatorCallsJoinTheRunningTransaction() throws Throwable {
        AtomicReference<String> outer = new AtomicReference<>();
        AtomicReference<String> inner = new AtomicReference<>();
        sameDatabase.coordinator.execute("outer", Duration.ofSeconds(10), () -> {
            outer.set(currentXid());
            reserve(sameDatabase, sku, 1);
            return sameDatabase.coordinator.execute("inner", Duration.ofSeconds(5), () -> {
                inner.set(currentXid());
                return reserve(sameDatabase, sku, 1);
            });
        });

        assertEquals(outer.get(), inner.get());
        assertEquals(2, sameDatabase.coordinator.log().branches(outer.get()).size());
        assertNull(TransactionContext.current(), "the binding is restored after the outermost call");
        assertArrayEquals(new int[] {8, 0, 2}, stock(sameDatabase, sku));
    }

    @Test
    void branchesRegisteredAtOnceFromSeveralThreadsAllJoinTheTransaction() throws Throwable {
        for (Wiring w : List.of(sameDatabase, separate)) {
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
            try {
                AtomicReference<String> xid = new AtomicReference<>();
                w.coordinator.execute("fan-out", Duration.ofSeconds(10), () -> {
                    xid.set(currentXid());
                    java.util.concurrent.Executor inTransaction = TransactionContext.executor(pool);
                    List<java.util.concurrent.CompletableFuture<String>> tries = new java.util.ArrayList<>();
                    for (int i = 0; i < 4; i++) {
                        tries.add(java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                            try {
                                return reserve(w, sku, 1);
                            } catch (Throwable t) {
                                throw new java.util.concurrent.CompletionException(t);
                            }
                        }, inTransaction));
                    }
                    for (java.util.concurrent.CompletableFuture<String> t : tries) {
                        t.get(30, java.util.concurrent.TimeUnit.SECONDS);
                    }
                    return null;
                });
                assertEquals(4, w.coordinator.log().branches(xid.get()).size());
                assertEquals(GlobalState.CONFIRMED, global(w, xid.get()).state());
            } finally {
                pool.shutdownNow();
            }
        }
        assertArrayEquals(new int[] {6, 0, 4}, stock(sameDatabase, sku));
        assertArrayEquals(new int[] {6, 0, 4}, stock(separate, sku));
    }

    @Test
    void bodyThatOutlivesItsDeadlineAfterEveryTrySucceededIsConfirmed() throws Throwable {
        for (Wiring w : List.of(sameDatabase, separate)) {
            AtomicReference<String> xid = new AtomicReference<>();
            String result = w.coordinator.execute("slow", Duration.ofMillis(300), () -> {
                xid.set(currentXid());
                reserve(w, sku, 1);
                clock.advance(Duration.ofMillis(500)); // past the deadline, with nothing left to try
                return "late but whole";
            });

            assertEquals("late but whole", result);
            assertEquals(GlobalState.CONFIRMED, global(w, xid.get()).state());
            assertEquals(FenceState.CONFIRMED, fenceState(w, xid.get(), "1"));
            assertArrayEquals(new int[] {9, 0, 1}, stock(w, sku));
        }
    }

    @Test
    void aTryAfterTheDeadlineIsNotRegisteredAndTheTransactionCancels() {
        for (Wiring w : List.of(sameDatabase, separate)) {
            AtomicReference<String> xid = new AtomicReference<>();
            assertThrows(BranchRegistrationRefusedException.class,
                    () -> w.coordinator.execute("slow-second-try", Duration.ofMillis(300), () -> {
                        xid.set(currentXid());
                        reserve(w, sku, 1);
                        awaitLogClockPastDeadline(w, xid.get());
                        return reserve(w, sku, 1); // the registration is refused against the global row
                    }));

            assertEquals(1, w.coordinator.log().branches(xid.get()).size(), "the late try was not registered");
            assertEquals(GlobalState.CANCELLED, global(w, xid.get()).state());
            assertArrayEquals(new int[] {10, 0, 0}, stock(w, sku));
        }
    }

    /**
     * Waits until the log's database is past the transaction's deadline: a second branch registers against the global
     * row, by the database's clock, which no test moves.
     */
    private void awaitLogClockPastDeadline(Wiring w, String xid) {
        String nowMillis = kind() == DatabaseKind.MYSQL
                ? "(TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', UTC_TIMESTAMP(6)) DIV 1000)"
                : "(EXTRACT(EPOCH FROM statement_timestamp()) * 1000)::BIGINT";
        String past = "SELECT COUNT(*) FROM tcc_global WHERE xid = ? AND deadline_ms <= " + nowMillis;
        Await.until("the log's clock past the deadline of " + xid, Duration.ofSeconds(10),
                () -> w.logJdbc.queryForObject(past, Integer.class, xid) == 1);
    }

    @Test
    void badTimeoutsAndNamesAreRejectedBeforeAnythingRuns() {
        AtomicReference<Boolean> ran = new AtomicReference<>(false);
        for (Duration timeout : new Duration[] {null, Duration.ZERO, Duration.ofSeconds(-1), Duration.ofDays(1)}) {
            assertThrows(io.tcc.BadInputException.class, () -> separate.coordinator.execute("t", timeout, () -> ran.getAndSet(true)));
        }
        assertThrows(io.tcc.BadInputException.class,
                () -> separate.coordinator.execute("n".repeat(257), Duration.ofSeconds(1), () -> ran.getAndSet(true)));
        assertEquals(false, ran.get());
    }

    @Test
    void participantCalledWithoutGlobalTransactionIsAClearErrorAndRunsNothing() {
        NoGlobalTransactionException e = assertThrows(NoGlobalTransactionException.class, () -> reserve(separate, sku, 1));
        assertTrue(e.getMessage().contains("reserve-stock"), e.getMessage());
        assertArrayEquals(new int[] {10, 0, 0}, stock(separate, sku));
    }

    @Test
    void failedConfirmStaysAConfirmUntilRedriven() throws Throwable {
        separate.actions.failingConfirms.set(1);
        AtomicReference<String> xid = new AtomicReference<>();
        String result = separate.coordinator.execute("confirm-fails-once", Duration.ofSeconds(10), () -> {
            xid.set(currentXid());
            return reserve(separate, sku, 2);
        });

        assertEquals("reserved 2 " + sku, result, "the decision was confirm: the caller gets its result");
        GlobalRecord pending = global(separate, xid.get());
        assertEquals(GlobalState.CONFIRMING, pending.state());
        assertEquals(1, pending.attempts());
        assertNotNull(pending.nextAttempt());
        BranchRecord branch = separate.coordinator.log().branches(xid.get()).get(0);
        assertEquals(BranchState.REGISTERED, branch.state());
        assertTrue(branch.lastOutcome().contains("simulated"), branch.lastOutcome());
        assertArrayEquals(new int[] {8, 2, 0}, stock(separate, sku));

        assertEquals(GlobalState.CONFIRMED, separate.coordinator.phaseTwo().resume(xid.get()).orElseThrow());
        assertArrayEquals(new int[] {8, 0, 2}, stock(separate, sku));
    }

    @Test
    void recoveryCancellingFirstWinsAndTheCallerIsToldRecoveryOrAnOperatorDecided() {
        for (Wiring w : List.of(sameDatabase, separate)) {
            AtomicReference<String> xid = new AtomicReference<>();
            GlobalTransactionCancelledException cancelled = assertThrows(GlobalTransactionCancelledException.class,
                    () -> w.coordinator.execute("overtaken", Duration.ofMillis(200), () -> {
                        xid.set(currentXid());
                        reserve(w, sku, 1);
                        clock.advance(Duration.ofMillis(400)); // past the deadline and the 1 ms margin
                        // recovery finds it TRYING past its deadline plus margin and cancels it before the initiator decides
                        assertEquals(GlobalState.CANCELLED, w.coordinator.phaseTwo().resume(xid.get()).orElseThrow());
                        return "returned after recovery";
                    }));

            assertEquals(xid.get(), cancelled.xid());
            assertTrue(cancelled.getMessage().contains("every try succeeded, but recovery or an operator decided CANCEL first"),
                    cancelled.getMessage());
            assertTrue(cancelled.getMessage().contains("tcc.recovery-margin"), cancelled.getMessage());
            assertEquals(GlobalState.CANCELLED, global(w, xid.get()).state());
            assertEquals(1, w.actions.releases.get());
            assertArrayEquals(new int[] {10, 0, 0}, stock(w, sku));
        }
    }

    @Test
    void aCancelRecoveryDecidedAndFlaggedIsNotPresentedAsAnOperatorsDecision() {
        for (Wiring w : List.of(sameDatabase, separate)) {
            AtomicReference<String> xid = new AtomicReference<>();
            GlobalTransactionCancelledException cancelled = assertThrows(GlobalTransactionCancelledException.class,
                    () -> w.coordinator.execute("overtaken-and-flagged", Duration.ofSeconds(10), () -> {
                        xid.set(currentXid());
                        reserve(w, sku, 1);
                        // what recovery does past the deadline plus margin (decideCancel itself does not wait for it):
                        // decides CANCEL, then hands it over, the flag writing recovery's own reason into operator_reason
                        assertEquals(GlobalState.CANCELLING, w.coordinator.phaseTwo().decideCancel(xid.get()));
                        assertTrue(w.coordinator.log().flag(xid.get(), GlobalState.CANCELLING, "recovery gave up after 8 attempts"));
                        return "returned after recovery";
                    }));

            assertTrue(cancelled.getMessage().contains("every try succeeded, but recovery or an operator decided CANCEL first"),
                    cancelled.getMessage());
            assertFalse(cancelled.getMessage().contains("but an operator decided"), cancelled.getMessage());
            assertTrue(cancelled.getMessage().contains("recovery gave up after 8 attempts"), cancelled.getMessage());
            assertEquals(GlobalState.CANCELLED, global(w, xid.get()).state().finalState());
        }
    }

    // --- a confirm that shares the decision's commit and fails stays a confirm ---

    @Test
    void aSharedCommitConfirmThatFailsPastTheDeadlineIsRetriedAsAConfirmNeverCancelled() throws Throwable {
        sameDatabase.actions.failingConfirms.set(1);
        // the body returns at once; the confirm works past the 1 s deadline, then throws (its retry also takes 1.2 s)
        sameDatabase.actions.confirmWork = () -> clock.advance(Duration.ofMillis(1_200));
        AtomicReference<String> xid = new AtomicReference<>();

        String result = sameDatabase.coordinator.execute("slow-confirm", Duration.ofSeconds(1), () -> {
            xid.set(currentXid());
            return reserve(sameDatabase, sku, 2);
        });

        assertEquals("reserved 2 " + sku, result, "decided CONFIRM: the caller gets its result");
        // the decision was committed again on its own and the confirm retried in phase two
        assertEquals(GlobalState.CONFIRMED, global(sameDatabase, xid.get()).state());
        assertEquals(BranchState.CONFIRMED, sameDatabase.coordinator.log().branches(xid.get()).get(0).state());
        assertEquals(FenceState.CONFIRMED, fenceState(sameDatabase, xid.get(), "1"));
        assertEquals(0, sameDatabase.actions.releases.get(), "the business cancel never ran");
        assertArrayEquals(new int[] {8, 0, 2}, stock(sameDatabase, sku));
    }

    @Test
    void aSharedCommitConfirmThatTimesOutOnARowLockPastTheDeadlineStaysAConfirmUntilRedriven() throws Throwable {
        AtomicReference<String> xid = new AtomicReference<>();
        String result;
        try (Connection holder = shared.dataSource().getConnection()) {
            holder.setAutoCommit(false);
            result = lockTimeouts.coordinator.execute("confirm-meets-a-lock", Duration.ofSeconds(1), () -> {
                xid.set(currentXid());
                String reserved = reserve(lockTimeouts, sku, 2);
                // another transaction holds the stock row the confirm updates: each attempt waits 1 s, then fails
                try (PreparedStatement lock = holder.prepareStatement("SELECT sold FROM stock WHERE sku = ? FOR UPDATE")) {
                    lock.setString(1, sku);
                    lock.executeQuery().close();
                }
                return reserved;
            });

            assertEquals("reserved 2 " + sku, result, "decided CONFIRM: answered as any confirm pending phase two");
            GlobalRecord pending = global(lockTimeouts, xid.get());
            assertEquals(GlobalState.CONFIRMING, pending.state(), "decided CONFIRM past the deadline, never CANCEL");
            assertEquals(1, pending.attempts());
            BranchRecord branch = lockTimeouts.coordinator.log().branches(xid.get()).get(0);
            assertEquals(BranchState.REGISTERED, branch.state());
            assertTrue(branch.lastOutcome().startsWith("confirm failed"), branch.lastOutcome());
            assertEquals(FenceState.TRIED, fenceState(lockTimeouts, xid.get(), "1"));
            holder.rollback(); // the lock is released
        }

        assertEquals(GlobalState.CONFIRMED, lockTimeouts.coordinator.phaseTwo().resume(xid.get()).orElseThrow());
        assertEquals(FenceState.CONFIRMED, fenceState(lockTimeouts, xid.get(), "1"));
        assertEquals(0, lockTimeouts.actions.releases.get(), "the business cancel never ran");
        assertArrayEquals(new int[] {8, 0, 2}, stock(lockTimeouts, sku));
    }

    // --- the caller's exception survives a failed cancel ---

    @Test
    void bodyExceptionReachesTheCallerWithTheFailedCancelSuppressedAndRecoveryCancelsLater() throws Exception {
        IllegalStateException failure = new IllegalStateException("payment declined");
        AtomicReference<String> xid = new AtomicReference<>();
        IllegalStateException thrown = assertThrows(IllegalStateException.class,
                () -> failingLog.coordinator.execute("declined-log-down", Duration.ofMillis(300), () -> {
                    xid.set(currentXid());
                    reserve(failingLog, sku, 2);
                    logDown.set(true);
                    throw failure;
                }));
        logDown.set(false);

        assertSame(failure, thrown);
        assertEquals(1, thrown.getSuppressed().length);
        assertInstanceOf(GlobalLogException.class, thrown.getSuppressed()[0]);
        assertRecoveryCancelsItAfterItsDeadline(xid.get());
    }

    @Test
    void swallowedTryFailureIsStillReportedAsCancelledWhenTheCancelCannotBeLogged() throws Exception {
        AtomicReference<String> xid = new AtomicReference<>();
        GlobalTransactionCancelledException cancelled = assertThrows(GlobalTransactionCancelledException.class,
                () -> failingLog.coordinator.execute("swallowed-log-down", Duration.ofMillis(300), () -> {
                    xid.set(currentXid());
                    reserve(failingLog, sku, 2);
                    try {
                        reserve(failingLog, sku, 99);
                    } catch (StockActions.OutOfStock ignored) {
                        // the initiator goes on as if nothing happened
                    }
                    logDown.set(true);
                    return "done";
                }));
        logDown.set(false);

        assertTrue(cancelled.getMessage().contains("out of stock"), cancelled.getMessage());
        assertEquals(1, cancelled.getSuppressed().length);
        assertInstanceOf(GlobalLogException.class, cancelled.getSuppressed()[0]);
        assertRecoveryCancelsItAfterItsDeadline(xid.get());
    }

    /** Nothing was decided while the log was down: it is TRYING, and recovery cancels it once past its deadline. */
    private void assertRecoveryCancelsItAfterItsDeadline(String xid) {
        assertEquals(GlobalState.TRYING, global(failingLog, xid).state());
        assertArrayEquals(new int[] {8, 2, 0}, stock(failingLog, sku), "still reserved");
        clock.advance(Duration.ofMillis(300)); // past its 300 ms deadline
        AtomicReference<GlobalState> state = new AtomicReference<>();
        Await.until(xid + " decided by recovery", Duration.ofSeconds(10), () -> {
            state.set(failingLog.coordinator.phaseTwo().resume(xid).orElseThrow());
            return state.get().isDecided();
        });
        assertEquals(GlobalState.CANCELLED, state.get());
        assertArrayEquals(new int[] {10, 0, 0}, stock(failingLog, sku));
    }

    // --- crash points: the rows left behind are exactly what recovery needs ---

    private String crashAt(CrashPoints.Point point, Wiring w, Duration timeout, int branches) {
        crashAt.set(point);
        AtomicReference<String> xid = new AtomicReference<>();
        assertThrows(CrashPoints.SimulatedCrash.class, () -> w.coordinator.execute("crash", timeout, () -> {
            xid.set(currentXid());
            for (int i = 0; i < branches; i++) {
                reserve(w, sku, 1);
            }
            return null;
        }));
        crashAt.set(null);
        return xid.get();
    }

    private void assertRegisteredBranches(Wiring w, String xid, int count) {
        List<BranchRecord> branches = w.coordinator.log().branches(xid);
        assertEquals(count, branches.size());
        for (BranchRecord b : branches) {
            assertEquals(LocalParticipant.NAME, b.participant());
            assertEquals("reserve-stock", b.action());
        }
    }

    private FenceState fenceState(Wiring w, String xid, String branchId) {
        return w.fence.find(new BranchKey(xid, branchId)).map(r -> r.state()).orElse(null);
    }

    @Test
    void crashAfterBranchRegisteredLeavesATryingTransactionThatRecoveryCancels() {
        String xid = crashAt(CrashPoints.Point.AFTER_BRANCH_REGISTERED, separate, Duration.ofMillis(200), 1);

        GlobalRecord tx = global(separate, xid);
        assertEquals(GlobalState.TRYING, tx.state());
        assertNotNull(tx.nextAttempt(), "due for recovery after its deadline");
        assertRegisteredBranches(separate, xid, 1);
        assertEquals(BranchState.REGISTERED, separate.coordinator.log().branches(xid).get(0).state());
        assertNull(fenceState(separate, xid, "1"), "the try was never sent");

        clock.advance(Duration.ofMillis(300)); // past its 200 ms deadline
        assertEquals(GlobalState.CANCELLED, separate.coordinator.phaseTwo().resume(xid).orElseThrow());
        assertEquals(FenceState.CANCELLED, fenceState(separate, xid, "1"));
        assertTrue(separate.fence.find(new BranchKey(xid, "1")).orElseThrow().emptyCancel(), "an empty rollback");
        assertArrayEquals(new int[] {10, 0, 0}, stock(separate, sku));
    }

    @Test
    void crashAfterTriesBeforeDecisionIsCancelledByRecoveryOnlyAfterTheDeadline() {
        String xid = crashAt(CrashPoints.Point.BEFORE_DECISION, separate, Duration.ofMillis(400), 2);

        assertEquals(GlobalState.TRYING, global(separate, xid).state());
        assertRegisteredBranches(separate, xid, 2);
        assertEquals(FenceState.TRIED, fenceState(separate, xid, "1"));
        assertArrayEquals(new int[] {8, 2, 0}, stock(separate, sku));
        assertEquals(GlobalState.TRYING, separate.coordinator.phaseTwo().resume(xid).orElseThrow(), "its initiator may still be running");

        clock.advance(Duration.ofMillis(500)); // past its 400 ms deadline
        assertEquals(GlobalState.CANCELLED, separate.coordinator.phaseTwo().resume(xid).orElseThrow());
        assertArrayEquals(new int[] {10, 0, 0}, stock(separate, sku));
    }

    @Test
    void crashAfterDecisionIsConfirmedByRecovery() {
        String xid = crashAt(CrashPoints.Point.AFTER_DECISION, separate, Duration.ofSeconds(10), 1);

        GlobalRecord tx = global(separate, xid);
        assertEquals(GlobalState.CONFIRMING, tx.state());
        assertNotNull(tx.nextAttempt());
        assertEquals(FenceState.TRIED, fenceState(separate, xid, "1"));
        assertEquals(GlobalState.CONFIRMED, separate.coordinator.phaseTwo().resume(xid).orElseThrow());
        assertEquals(FenceState.CONFIRMED, fenceState(separate, xid, "1"));
        assertArrayEquals(new int[] {9, 0, 1}, stock(separate, sku));
    }

    @Test
    void crashInTheMiddleOfPhaseTwoIsFinishedByRecovery() {
        String xid = crashAt(CrashPoints.Point.AFTER_FIRST_PHASE_TWO, separate, Duration.ofSeconds(10), 2);

        assertEquals(GlobalState.CONFIRMING, global(separate, xid).state());
        Map<String, BranchState> states = new java.util.HashMap<>();
        separate.coordinator.log().branches(xid).forEach(b -> states.put(b.branchId(), b.state()));
        assertEquals(Map.of("1", BranchState.CONFIRMED, "2", BranchState.REGISTERED), states);
        assertEquals(GlobalState.CONFIRMED, separate.coordinator.phaseTwo().resume(xid).orElseThrow());
        assertArrayEquals(new int[] {8, 0, 2}, stock(separate, sku));
    }

    @Test
    void crashAfterSharedCommitOfRegistrationAndTryLeavesBoth() {
        String xid = crashAt(CrashPoints.Point.AFTER_BRANCH_REGISTERED, sameDatabase, Duration.ofSeconds(10), 1);

        assertEquals(GlobalState.TRYING, global(sameDatabase, xid).state());
        assertRegisteredBranches(sameDatabase, xid, 1);
        assertEquals(FenceState.TRIED, fenceState(sameDatabase, xid, "1"), "registration and try committed together");
    }
}
