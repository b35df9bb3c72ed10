package io.tcc.fence;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.function.Executable;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DataSourceUtils;
import org.springframework.transaction.UnexpectedRollbackException;
import org.springframework.transaction.support.TransactionTemplate;

import com.zaxxer.hikari.HikariDataSource;

import io.tcc.BadInputException;
import io.tcc.jdbc.UnreadableRowException;
import io.tcc.test.DatabaseKind;
import io.tcc.test.TestDatabase;

/**
 * Every row of the fence table in DESIGN.md, on a real database. Subclasses name the database.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class FenceContractTests {

    private static final String A = StockFixture.ACTION;

    private TestDatabase db;
    /** The fence's pool, at {@link #isolation()}; the business methods and the checks use it too. */
    private HikariDataSource pool;
    private JdbcTemplate jdbc;
    private DataSourceTransactionManager txManager;
    private FenceCounters counters;
    private Fence fence;
    private StockFixture stock;
    private String sku;

    abstract DatabaseKind kind();

    /** A {@code java.sql.Connection} isolation constant name for the fence's pool, or null for the server's default. */
    String isolation() {
        return null;
    }

    @BeforeAll
    void createDatabase() {
        db = TestDatabase.create(kind(), "fence_contract").applySchema("fence.sql").run("tcc-test/stock.sql");
        pool = db.newDataSource(isolation(), 8);
        jdbc = new JdbcTemplate(pool);
        txManager = new DataSourceTransactionManager(pool);
        counters = new FenceCounters();
        fence = new Fence(pool, txManager, FenceConfig.ofDefaults(), counters);
        stock = new StockFixture(jdbc);
    }

    @AfterAll
    void dropDatabase() {
        pool.close();
        db.close();
    }

    @BeforeEach
    void newSku() {
        sku = "sku-" + UUID.randomUUID();
        stock.addSku(sku, 10);
    }

    private static BranchKey newKey() {
        return new BranchKey("xid-" + UUID.randomUUID(), "b1");
    }

    private static Instant inOneMinute() {
        return Instant.now().plusSeconds(60);
    }

    private FenceResult<String> tryFreeze(BranchKey key) throws Throwable {
        return fence.tryBranch(key, A, sku, inOneMinute(), () -> stock.freeze(key, sku, 0));
    }

    private FenceResult<String> confirm(BranchKey key) throws Throwable {
        return fence.confirm(key, A, inOneMinute(), stock::sell);
    }

    private FenceResult<String> cancel(BranchKey key) throws Throwable {
        return fence.cancel(key, A, inOneMinute(), stock::release);
    }

    private FenceState state(BranchKey key) {
        return fence.find(key).orElseThrow().state();
    }

    // --- try ---

    @Test
    void tryOnAbsentBranchRunsBusinessAndRecordsTriedWithItsArguments() throws Throwable {
        BranchKey key = newKey();
        FenceResult<String> result = tryFreeze(key);

        assertEquals(FenceOutcome.EXECUTED, result.outcome());
        assertEquals("frozen:" + sku, result.value());
        FenceRecord row = fence.find(key).orElseThrow();
        assertEquals(FenceState.TRIED, row.state());
        assertEquals(sku, row.args());
        assertEquals(A, row.action());
        assertFalse(row.emptyCancel());
        assertArrayEquals(new int[] {9, 1, 0}, stock.stock(sku));
    }

    @Test
    void duplicateTryOnTriedBranchRunsNothing() throws Throwable {
        BranchKey key = newKey();
        tryFreeze(key);

        FenceResult<String> again = tryFreeze(key);

        assertEquals(FenceOutcome.DUPLICATE, again.outcome());
        assertNull(again.value());
        assertEquals(1, stock.effects(key, FencePhase.TRY));
        assertArrayEquals(new int[] {9, 1, 0}, stock.stock(sku));
    }

    @Test
    void duplicateTryOnConfirmedBranchRunsNothing() throws Throwable {
        BranchKey key = newKey();
        tryFreeze(key);
        confirm(key);

        assertEquals(FenceOutcome.DUPLICATE, tryFreeze(key).outcome());
        assertEquals(1, stock.effects(key, FencePhase.TRY));
        assertEquals(FenceState.CONFIRMED, state(key));
    }

    @Test
    void cancelBeforeTryRecordsEmptyRollbackAndRefusesLateTry() throws Throwable {
        BranchKey key = newKey();
        assertEquals(FenceOutcome.EMPTY_CANCEL, cancel(key).outcome());

        TryRefusedException refused = assertThrows(TryRefusedException.class, () -> tryFreeze(key));

        assertEquals(TryRefusedException.Reason.SUSPENDED, refused.reason());
        assertEquals(key, refused.key());
        assertEquals(0, stock.effects(key, FencePhase.TRY));
        assertEquals(0, stock.effects(key, FencePhase.CANCEL));
        assertArrayEquals(new int[] {10, 0, 0}, stock.stock(sku));
        FenceRecord row = fence.find(key).orElseThrow();
        assertEquals(FenceState.CANCELLED, row.state());
        assertTrue(row.emptyCancel());
    }

    @Test
    void tryPastItsDeadlineIsRefusedAndRecordsNothing() {
        BranchKey key = newKey();
        TryRefusedException refused = assertThrows(TryRefusedException.class,
                () -> fence.tryBranch(key, A, sku, Instant.now().minusSeconds(5), () -> stock.freeze(key, sku, 0)));

        assertEquals(TryRefusedException.Reason.DEADLINE_PASSED, refused.reason());
        assertTrue(fence.find(key).isEmpty());
        assertArrayEquals(new int[] {10, 0, 0}, stock.stock(sku));
    }

    @Test
    void tryAfterCancelOfTriedBranchIsRefusedAsSuspension() throws Throwable {
        BranchKey key = newKey();
        tryFreeze(key);
        cancel(key);

        assertEquals(TryRefusedException.Reason.SUSPENDED,
                assertThrows(TryRefusedException.class, () -> tryFreeze(key)).reason());
        assertEquals(1, stock.effects(key, FencePhase.TRY));
        assertArrayEquals(new int[] {10, 0, 0}, stock.stock(sku));
    }

    // --- confirm ---

    @Test
    void confirmOfTriedBranchReplaysRecordedArgumentsAndRecordsConfirmed() throws Throwable {
        BranchKey key = newKey();
        tryFreeze(key);

        FenceResult<String> result = confirm(key);

        assertEquals(FenceOutcome.EXECUTED, result.outcome());
        assertEquals("sold:" + sku, result.value());
        assertEquals(FenceState.CONFIRMED, state(key));
        assertArrayEquals(new int[] {9, 0, 1}, stock.stock(sku));
    }

    @Test
    void duplicateConfirmRunsNothing() throws Throwable {
        BranchKey key = newKey();
        tryFreeze(key);
        confirm(key);

        assertEquals(FenceOutcome.DUPLICATE, confirm(key).outcome());
        assertEquals(1, stock.effects(key, FencePhase.CONFIRM));
        assertArrayEquals(new int[] {9, 0, 1}, stock.stock(sku));
    }

    @Test
    void confirmOfNeverTriedBranchIsProtocolViolationAndRecordsNothing() {
        BranchKey key = newKey();
        ProtocolViolationException violation = assertThrows(ProtocolViolationException.class, () -> confirm(key));

        assertNull(violation.found());
        assertEquals(FencePhase.CONFIRM, violation.phase());
        assertTrue(fence.find(key).isEmpty());
        assertEquals(0, stock.effects(key, FencePhase.CONFIRM));
    }

    @Test
    void confirmOfCancelledBranchIsProtocolViolation() throws Throwable {
        BranchKey key = newKey();
        tryFreeze(key);
        cancel(key);

        ProtocolViolationException violation = assertThrows(ProtocolViolationException.class, () -> confirm(key));

        assertEquals(FenceState.CANCELLED, violation.found());
        assertEquals(FenceState.CANCELLED, state(key));
        assertEquals(0, stock.effects(key, FencePhase.CONFIRM));
    }

    @Test
    void confirmOfEmptyCancelledBranchIsProtocolViolation() throws Throwable {
        BranchKey key = newKey();
        cancel(key);

        assertEquals(FenceState.CANCELLED, assertThrows(ProtocolViolationException.class, () -> confirm(key)).found());
    }

    // --- cancel ---

    @Test
    void cancelOfAbsentBranchRecordsEmptyCancelWithoutRunningBusiness() throws Throwable {
        BranchKey key = newKey();
        AtomicInteger calls = new AtomicInteger();
        long emptyCancelsBefore = counters.emptyCancels();

        FenceResult<String> result = fence.cancel(key, A, inOneMinute(), tried -> {
            calls.incrementAndGet();
            return "ran";
        });

        assertEquals(FenceOutcome.EMPTY_CANCEL, result.outcome());
        assertEquals(0, calls.get());
        FenceRecord row = fence.find(key).orElseThrow();
        assertEquals(FenceState.CANCELLED, row.state());
        assertTrue(row.emptyCancel());
        assertNull(row.args());
        assertEquals(emptyCancelsBefore + 1, counters.emptyCancels());
    }

    @Test
    void cancelOfTriedBranchReplaysRecordedArgumentsAndRecordsCancelled() throws Throwable {
        BranchKey key = newKey();
        tryFreeze(key);

        FenceResult<String> result = cancel(key);

        assertEquals(FenceOutcome.EXECUTED, result.outcome());
        assertEquals("released:" + sku, result.value());
        FenceRecord row = fence.find(key).orElseThrow();
        assertEquals(FenceState.CANCELLED, row.state());
        assertFalse(row.emptyCancel());
        assertArrayEquals(new int[] {10, 0, 0}, stock.stock(sku));
    }

    @Test
    void duplicateCancelRunsNothing() throws Throwable {
        BranchKey key = newKey();
        tryFreeze(key);
        cancel(key);

        assertEquals(FenceOutcome.DUPLICATE, cancel(key).outcome());
        assertEquals(1, stock.effects(key, FencePhase.CANCEL));
        assertArrayEquals(new int[] {10, 0, 0}, stock.stock(sku));
    }

    @Test
    void duplicateEmptyCancelRunsNothing() throws Throwable {
        BranchKey key = newKey();
        cancel(key);

        assertEquals(FenceOutcome.DUPLICATE, cancel(key).outcome());
        assertTrue(fence.find(key).orElseThrow().emptyCancel());
    }

    @Test
    void cancelOfConfirmedBranchIsProtocolViolation() throws Throwable {
        BranchKey key = newKey();
        tryFreeze(key);
        confirm(key);

        ProtocolViolationException violation = assertThrows(ProtocolViolationException.class, () -> cancel(key));

        assertEquals(FenceState.CONFIRMED, violation.found());
        assertEquals(FenceState.CONFIRMED, state(key));
        assertArrayEquals(new int[] {9, 0, 1}, stock.stock(sku));
    }

    // --- business failures and transactions ---

    @Test
    void businessExceptionInTryRollsBackFenceRowAndReachesCallerUnchanged() throws Throwable {
        String empty = "sku-empty-" + UUID.randomUUID();
        stock.addSku(empty, 0);
        BranchKey key = newKey();

        StockFixture.OutOfStockException thrown = assertThrows(StockFixture.OutOfStockException.class,
                () -> fence.tryBranch(key, A, empty, inOneMinute(), () -> stock.freeze(key, empty, 0)));

        assertEquals("not enough stock for " + empty, thrown.getMessage());
        assertTrue(fence.find(key).isEmpty(), "the fence row rolls back with the business failure");
        // the later cancel is then an empty one
        assertEquals(FenceOutcome.EMPTY_CANCEL, cancel(key).outcome());
    }

    @Test
    void businessExceptionAfterBusinessWritesRollsBackBoth() {
        BranchKey key = newKey();
        IllegalStateException failure = new IllegalStateException("downstream check failed");

        IllegalStateException thrown = assertThrows(IllegalStateException.class,
                () -> fence.tryBranch(key, A, sku, inOneMinute(), () -> {
                    stock.freeze(key, sku, 0);
                    throw failure;
                }));

        assertSame(failure, thrown);
        assertTrue(fence.find(key).isEmpty());
        assertEquals(0, stock.effects(key, FencePhase.TRY));
        assertArrayEquals(new int[] {10, 0, 0}, stock.stock(sku));
    }

    @Test
    void businessExceptionInConfirmKeepsBranchTriedForAnotherConfirm() throws Throwable {
        BranchKey key = newKey();
        tryFreeze(key);

        assertThrows(IllegalStateException.class, () -> fence.confirm(key, A, inOneMinute(), tried -> {
            stock.sell(tried);
            throw new IllegalStateException("confirm failed half-way");
        }));

        assertEquals(FenceState.TRIED, state(key));
        assertArrayEquals(new int[] {9, 1, 0}, stock.stock(sku));
        assertEquals(FenceOutcome.EXECUTED, confirm(key).outcome());
        assertArrayEquals(new int[] {9, 0, 1}, stock.stock(sku));
    }

    @Test
    void fenceJoinsTheCallersTransactionAndRollsBackWithIt() {
        BranchKey key = newKey();
        TransactionTemplate outer = new TransactionTemplate(txManager);

        outer.executeWithoutResult(status -> {
            try {
                tryFreeze(key);
            } catch (Throwable e) {
                throw new AssertionError(e);
            }
            status.setRollbackOnly();
        });

        assertTrue(fence.find(key).isEmpty());
        assertArrayEquals(new int[] {10, 0, 0}, stock.stock(sku));
    }

    @Test
    void refusalInsideCallersTransactionLeavesItUsable() throws Throwable {
        BranchKey key = newKey();
        cancel(key);
        TransactionTemplate outer = new TransactionTemplate(txManager);

        outer.executeWithoutResult(status -> {
            assertThrows(TryRefusedException.class, () -> tryFreeze(key));
            jdbc.update("UPDATE stock SET available = 11 WHERE sku = ?", sku);
        });

        assertArrayEquals(new int[] {11, 0, 0}, stock.stock(sku), "the caller's own write committed");
    }

    @Test
    void branchIdReusedForAnotherActionIsProtocolViolation() throws Throwable {
        BranchKey key = newKey();
        tryFreeze(key);

        assertThrows(ProtocolViolationException.class,
                () -> fence.tryBranch(key, "pay", null, inOneMinute(), () -> "paid"));
        assertThrows(ProtocolViolationException.class, () -> fence.confirm(key, "pay", inOneMinute(), tried -> "paid"));
        assertThrows(ProtocolViolationException.class, () -> fence.cancel(key, "pay", inOneMinute(), tried -> "x"));
        assertEquals(FenceState.TRIED, state(key));
    }

    @Test
    void deadlockVictimIsRunAgainCountedAndTakesEffectOnce() throws Exception {
        String first = "sku-a-" + UUID.randomUUID();
        String second = "sku-b-" + UUID.randomUUID();
        stock.addSku(first, 10);
        stock.addSku(second, 10);
        BranchKey k1 = newKey();
        BranchKey k2 = newKey();
        CyclicBarrier bothHoldOneRow = new CyclicBarrier(2);
        long retriesBefore = counters.conflictRetries();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            // each try locks one row, waits for the other, then wants the other's row: a lock cycle the database breaks
            Future<FenceResult<String>> r1 = pool.submit(() -> lockInOrder(k1, first, second, bothHoldOneRow));
            Future<FenceResult<String>> r2 = pool.submit(() -> lockInOrder(k2, second, first, bothHoldOneRow));
            assertEquals(FenceOutcome.EXECUTED, r1.get(30, TimeUnit.SECONDS).outcome());
            assertEquals(FenceOutcome.EXECUTED, r2.get(30, TimeUnit.SECONDS).outcome());
        } finally {
            pool.shutdownNow();
        }
        assertTrue(counters.conflictRetries() > retriesBefore, "the deadlock victim was retried and counted");
        assertEquals(1, stock.effects(k1, FencePhase.TRY));
        assertEquals(1, stock.effects(k2, FencePhase.TRY));
        assertArrayEquals(new int[] {8, 0, 0}, stock.stock(first));
        assertArrayEquals(new int[] {8, 0, 0}, stock.stock(second));
    }

    private FenceResult<String> lockInOrder(BranchKey key, String one, String other, CyclicBarrier barrier) throws Exception {
        AtomicInteger attempt = new AtomicInteger();
        try {
            return fence.tryBranch(key, A, one, inOneMinute(), () -> {
                jdbc.update("UPDATE stock SET available = available - 1 WHERE sku = ?", one);
                if (attempt.getAndIncrement() == 0) {
                    barrier.await(10, TimeUnit.SECONDS);
                }
                jdbc.update("UPDATE stock SET available = available - 1 WHERE sku = ?", other);
                jdbc.update("INSERT INTO effects (xid, branch_id, phase) VALUES (?, ?, 'TRY')", key.xid(), key.branchId());
                return "locked";
            });
        } catch (Exception | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    // --- bad input ---

    @Test
    void malformedIdentifiersAreRejectedAndNothingIsWritten() {
        int before = stock.fenceRows();
        assertThrows(BadInputException.class, () -> new BranchKey(null, "b1"));
        assertThrows(BadInputException.class, () -> new BranchKey("", "b1"));
        assertThrows(BadInputException.class, () -> new BranchKey("x".repeat(129), "b1"));
        assertThrows(BadInputException.class, () -> new BranchKey("xid with space", "b1"));
        assertThrows(BadInputException.class, () -> new BranchKey("xid\nforged-log-line", "b1"));
        assertThrows(BadInputException.class, () -> new BranchKey("xid-1", " "));
        assertThrows(BadInputException.class, () -> new BranchKey("xid-1", "b".repeat(65)));
        BranchKey key = newKey();
        assertThrows(BadInputException.class, () -> fence.tryBranch(key, "", null, inOneMinute(), () -> "x"));
        assertThrows(BadInputException.class, () -> fence.tryBranch(key, "bad action", null, inOneMinute(), () -> "x"));
        assertThrows(BadInputException.class, () -> fence.confirm(key, null, inOneMinute(), tried -> "x"));
        assertEquals(before, stock.fenceRows());
    }

    @Test
    void oversizedArgumentsAndImpossibleDeadlinesAreRejectedAndNothingIsWritten() {
        BranchKey key = newKey();
        assertThrows(BadInputException.class,
                () -> fence.tryBranch(key, A, "é".repeat(40_000), inOneMinute(), () -> "x"));
        assertThrows(BadInputException.class, () -> fence.tryBranch(key, A, sku, null, () -> "x"));
        assertThrows(BadInputException.class, () -> fence.cancel(key, A, null, tried -> "x"));
        BadInputException far = assertThrows(BadInputException.class,
                () -> fence.tryBranch(key, A, sku, Instant.now().plus(Duration.ofDays(2)), () -> "x"));
        assertTrue(far.getMessage().contains("tcc.max-timeout"), far.getMessage());
        assertTrue(fence.find(key).isEmpty());
    }

    @Test
    void unknownStateInTheTableIsATypedErrorNamingTheRow() throws Throwable {
        BranchKey key = newKey();
        tryFreeze(key);
        // the schema's CHECK constraint stops this; a hand edit without it is what the error is for
        jdbc.execute("ALTER TABLE tcc_fence DROP CONSTRAINT chk_tcc_fence_state");
        try {
            jdbc.update("UPDATE tcc_fence SET state = 'PAUSED' WHERE xid = ?", key.xid());
            UnreadableRowException error = assertThrows(UnreadableRowException.class, () -> fence.find(key));
            assertTrue(error.getMessage().contains("PAUSED") && error.getMessage().contains(key.xid()), error.getMessage());
            assertThrows(UnreadableRowException.class, () -> confirm(key));
            assertArrayEquals(new int[] {9, 1, 0}, stock.stock(sku));
        } finally {
            jdbc.update("DELETE FROM tcc_fence WHERE xid = ?", key.xid());
            jdbc.execute("ALTER TABLE tcc_fence ADD CONSTRAINT chk_tcc_fence_state"
                    + " CHECK (state IN ('TRIED', 'CONFIRMED', 'CANCELLED'))");
        }
    }

    // --- cleanup ---

    @Test
    void cleanupDeletesOnlyFinishedRowsOlderThanRetentionInBatches() throws Throwable {
        jdbc.update("DELETE FROM tcc_fence");
        BranchKey oldConfirmed = newKey();
        BranchKey oldCancelled = newKey();
        BranchKey oldEmpty = newKey();
        BranchKey oldTried = newKey();
        BranchKey newConfirmed = newKey();
        for (BranchKey key : new BranchKey[] {oldConfirmed, oldCancelled, oldTried, newConfirmed}) {
            tryFreeze(key);
        }
        confirm(oldConfirmed);
        cancel(oldCancelled);
        cancel(oldEmpty);
        confirm(newConfirmed);
        for (BranchKey key : new BranchKey[] {oldConfirmed, oldCancelled, oldEmpty, oldTried}) {
            backdate(key, Duration.ofHours(3));
        }

        int deleted = fence.deleteFinished(Duration.ofHours(1), 2);

        assertEquals(3, deleted);
        assertTrue(fence.find(oldConfirmed).isEmpty());
        assertTrue(fence.find(oldCancelled).isEmpty());
        assertTrue(fence.find(oldEmpty).isEmpty());
        assertEquals(FenceState.TRIED, state(oldTried), "an open branch is never deleted, however old");
        assertEquals(FenceState.CONFIRMED, state(newConfirmed));
    }

    @Test
    void cleanupRefusalNamesEverySettingOfTheTimingRuleByPropertyKey() {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> fence.deleteFinished(Duration.ofMinutes(5), 100));
        String message = refused.getMessage();
        for (String named : new String[] {"tcc.recovery.cleanup.retention PT5M", "tcc.max-timeout PT10M",
                "tcc.fence.clock-skew-margin PT1M", "PT12M"}) {
            assertTrue(message.contains(named), "names " + named + ": " + message);
        }
    }

    @Test
    void cleanupKeepsAFinishedRowWhoseDeadlineLiesWithinTheRetention() throws Throwable {
        BranchKey key = newKey();
        tryFreeze(key);
        confirm(key);
        // finished long ago by its timestamp, but its deadline is recent: a repeat could still carry that deadline
        String sql = kind() == DatabaseKind.MYSQL
                ? "UPDATE tcc_fence SET updated_at = updated_at - INTERVAL 10800 SECOND WHERE xid = ?"
                : "UPDATE tcc_fence SET updated_at = updated_at - make_interval(secs => 10800) WHERE xid = ?";
        jdbc.update(sql, key.xid());

        fence.deleteFinished(Duration.ofHours(1), 100);

        assertEquals(FenceState.CONFIRMED, state(key));
    }

    @Test
    void confirmRepeatedAfterCleanupRemovedItsRowIsAnsweredAsFinishedAndRunsNothing() throws Throwable {
        BranchKey key = newKey();
        Instant deadline = inOneMinute();
        fence.tryBranch(key, A, sku, deadline, () -> stock.freeze(key, sku, 0));
        fence.confirm(key, A, deadline, stock::sell); // its response was lost: the initiator will send it again
        backdate(key, Duration.ofHours(3));
        fence.deleteFinished(Duration.ofHours(1), 100);
        assertTrue(fence.find(key).isEmpty());
        long before = counters.cleanedUpRepeats();

        FenceResult<String> repeat = fence.confirm(key, A, deadline.minus(Duration.ofHours(3)), stock::sell);

        assertEquals(FenceOutcome.CLEANED_UP, repeat.outcome());
        assertEquals(before + 1, counters.cleanedUpRepeats());
        assertTrue(fence.find(key).isEmpty(), "nothing is recorded again");
        assertEquals(1, stock.effects(key, FencePhase.CONFIRM));
        assertArrayEquals(new int[] {9, 0, 1}, stock.stock(sku));
    }

    @Test
    void cancelRepeatedAfterCleanupIsAnsweredAsFinishedAndLateTryIsStillRefused() throws Throwable {
        BranchKey key = newKey();
        Instant deadline = inOneMinute();
        fence.tryBranch(key, A, sku, deadline, () -> stock.freeze(key, sku, 0));
        fence.cancel(key, A, deadline, stock::release);
        backdate(key, Duration.ofHours(3));
        fence.deleteFinished(Duration.ofHours(1), 100);
        Instant oldDeadline = deadline.minus(Duration.ofHours(3));

        assertEquals(FenceOutcome.CLEANED_UP, fence.cancel(key, A, oldDeadline, stock::release).outcome());
        TryRefusedException late = assertThrows(TryRefusedException.class,
                () -> fence.tryBranch(key, A, sku, oldDeadline, () -> stock.freeze(key, sku, 0)));

        assertEquals(TryRefusedException.Reason.DEADLINE_PASSED, late.reason());
        assertTrue(fence.find(key).isEmpty());
        assertEquals(1, stock.effects(key, FencePhase.CANCEL));
        assertArrayEquals(new int[] {10, 0, 0}, stock.stock(sku));
    }

    @Test
    void confirmWithNoRowWithinTheRetentionIsStillAProtocolViolationNamingTheRetention() {
        BranchKey key = newKey();
        ProtocolViolationException violation = assertThrows(ProtocolViolationException.class,
                () -> fence.confirm(key, A, Instant.now().minus(Duration.ofMinutes(5)), stock::sell));
        assertTrue(violation.getMessage().contains("minimum retention"), violation.getMessage());
        assertTrue(fence.find(key).isEmpty());
    }

    // --- business methods that lose their transaction; callers' transactions ---

    @Test
    void tryWhoseBusinessSwallowsItsOwnSqlErrorSucceedsOnlyIfItsRowCommits() throws Throwable {
        BranchKey key = newKey();
        Callable<FenceResult<String>> swallowing = () -> {
            try {
                return fence.tryBranch(key, A, sku, inOneMinute(), () -> {
                    String frozen = stock.freeze(key, sku, 0);
                    try {
                        stock.addSku(sku, 1); // the SKU exists already: a duplicate key
                    } catch (DataAccessException swallowed) {
                        // the mistake under test: the error is caught and the method returns normally
                    }
                    return frozen;
                });
            } catch (Exception | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new AssertionError(t);
            }
        };

        if (kind() == DatabaseKind.POSTGRESQL) {
            // PostgreSQL aborted the transaction, and its COMMIT would silently roll back
            LocalTransactionLostException lost = assertThrows(LocalTransactionLostException.class, swallowing::call);
            assertTrue(lost.getMessage().contains("25P02"), lost.getMessage());
            assertTrue(fence.find(key).isEmpty());
            assertEquals(0, stock.effects(key, FencePhase.TRY));
            assertArrayEquals(new int[] {10, 0, 0}, stock.stock(sku));
            assertEquals(FenceOutcome.EMPTY_CANCEL, cancel(key).outcome());
        } else {
            // InnoDB rolls back only the failed statement: the try's work and its row do commit
            assertEquals(FenceOutcome.EXECUTED, swallowing.call().outcome());
            assertEquals(FenceState.TRIED, state(key));
            assertArrayEquals(new int[] {9, 1, 0}, stock.stock(sku));
        }
    }

    @Test
    void confirmWhoseTransactionIsRolledBackUnderneathFailsAndLeavesTheBranchTried() throws Throwable {
        BranchKey key = newKey();
        tryFreeze(key);

        // as a deadlock victim caught inside the method would: the database rolled everything back
        assertThrows(LocalTransactionLostException.class, () -> fence.confirm(key, A, inOneMinute(), tried -> {
            String sold = stock.sell(tried);
            jdbc.execute("ROLLBACK");
            return sold;
        }));

        assertEquals(FenceState.TRIED, state(key));
        assertArrayEquals(new int[] {9, 1, 0}, stock.stock(sku));
        assertEquals(FenceOutcome.EXECUTED, confirm(key).outcome());
    }

    @Test
    void businessMethodThatRollsBackOnTheConnectionUnderTheWatchFailsAndLeavesTheBranchTried() throws Throwable {
        BranchKey key = newKey();
        tryFreeze(key);

        // unwrap leaves the watched connection behind: the row is read back, and found not confirmed
        assertThrows(LocalTransactionLostException.class, () -> fence.confirm(key, A, inOneMinute(), tried -> {
            String sold = stock.sell(tried);
            DataSourceUtils.getConnection(pool).unwrap(Connection.class).rollback();
            return sold;
        }));

        assertEquals(FenceState.TRIED, state(key));
        assertArrayEquals(new int[] {9, 1, 0}, stock.stock(sku));
    }

    @Test
    void nestedTransactionThatFailsInsideTheBusinessMethodRollsTheWholeCallBack() {
        BranchKey key = newKey();

        // the inner scope marks the fenced transaction rollback-only, though the business method catches its failure
        assertThrows(UnexpectedRollbackException.class, () -> fence.tryBranch(key, A, sku, inOneMinute(), () -> {
            String frozen = stock.freeze(key, sku, 0);
            try {
                new TransactionTemplate(txManager).executeWithoutResult(status -> {
                    throw new IllegalStateException("the inner scope fails");
                });
            } catch (IllegalStateException caught) {
                // returns normally
            }
            return frozen;
        }));

        assertTrue(fence.find(key).isEmpty());
        assertArrayEquals(new int[] {10, 0, 0}, stock.stock(sku));
    }

    @Test
    void confirmCarryingTheTriedArgumentsRunsWithThemAndOneCarryingOthersReplaysTheRecordedOnes() throws Throwable {
        BranchKey carried = newKey();
        BranchKey other = newKey();
        tryFreeze(carried);
        tryFreeze(other);

        FenceRecord[] seen = new FenceRecord[2];
        fence.confirm(carried, A, inOneMinute(), sku, tried -> {
            seen[0] = tried;
            return stock.sell(tried);
        });
        fence.confirm(other, A, inOneMinute(), "not-" + sku, tried -> {
            seen[1] = tried;
            return stock.sell(tried);
        });

        assertEquals(sku, seen[0].args());
        assertNull(seen[0].createdAt(), "carried: not read back");
        assertEquals(sku, seen[1].args(), "the recorded arguments, never the carried ones");
        assertNotNull(seen[1].createdAt(), "read back from the row");
        assertEquals(FenceState.CONFIRMED, state(carried));
        assertEquals(FenceState.CONFIRMED, state(other));
        assertArrayEquals(new int[] {8, 0, 2}, stock.stock(sku));
        assertEquals(FenceOutcome.DUPLICATE, fence.confirm(carried, A, inOneMinute(), sku, stock::sell).outcome());
    }

    @Test
    void cancelCarryingArgumentsBeforeAnyTryRecordsAnEmptyCancel() throws Throwable {
        BranchKey key = newKey();

        assertEquals(FenceOutcome.EMPTY_CANCEL, fence.cancel(key, A, inOneMinute(), sku, stock::release).outcome());

        assertEquals(0, stock.effects(key, FencePhase.CANCEL));
        assertEquals(FenceOutcome.DUPLICATE, fence.cancel(key, A, inOneMinute(), sku, stock::release).outcome());
    }

    @Test
    void nulInTryArgumentsIsBadInputOnPostgresqlAndLeavesTheCallersTransactionUsable() throws Throwable {
        BranchKey key = newKey();
        String withNul = sku + "\u0000";
        TransactionTemplate outer = new TransactionTemplate(txManager);

        outer.executeWithoutResult(status -> {
            Executable tryWithNul = () -> fence.tryBranch(key, A, withNul, inOneMinute(), () -> "x");
            if (kind() == DatabaseKind.POSTGRESQL) {
                BadInputException bad = assertThrows(BadInputException.class, tryWithNul);
                assertTrue(bad.getMessage().contains("U+0000"), bad.getMessage());
            } else {
                assertDoesNotThrow(tryWithNul); // MySQL stores and replays it
            }
            jdbc.update("UPDATE stock SET available = 11 WHERE sku = ?", sku);
        });

        assertArrayEquals(new int[] {11, 0, 0}, stock.stock(sku), "the caller's own write committed");
        assertEquals(kind() == DatabaseKind.MYSQL, fence.find(key).isPresent());
    }

    @Test
    void repeatedTryInsideACallersOlderSnapshotIsADuplicateAndLeavesItUsable() throws Throwable {
        BranchKey key = newKey();
        inOlderSnapshot(() -> tryFreeze(key), repeatable -> {
            FenceResult<String> again = repeatable.tryBranch(key, A, sku, inOneMinute(),
                    () -> stock.freeze(key, sku, 0));
            assertEquals(FenceOutcome.DUPLICATE, again.outcome());
        });
        assertEquals(1, stock.effects(key, FencePhase.TRY));
        assertArrayEquals(new int[] {9, 1, 0}, stock.stock(sku));
    }

    @Test
    void tryAfterCancelInsideACallersOlderSnapshotIsRefusedAsSuspensionAndLeavesItUsable() throws Throwable {
        BranchKey key = newKey();
        inOlderSnapshot(() -> cancel(key), repeatable -> {
            TryRefusedException refused = assertThrows(TryRefusedException.class, () -> repeatable.tryBranch(key, A, sku,
                    inOneMinute(), () -> stock.freeze(key, sku, 0)));
            assertEquals(TryRefusedException.Reason.SUSPENDED, refused.reason());
        });
        assertEquals(0, stock.effects(key, FencePhase.TRY));
        assertArrayEquals(new int[] {10, 0, 0}, stock.stock(sku));
    }

    @Test
    void confirmInsideACallersSnapshotOlderThanTheTryIsRefusedOnPostgresqlAndRunsOnMysql() throws Throwable {
        BranchKey key = newKey();
        inOlderSnapshot(() -> tryFreeze(key), repeatable -> {
            if (kind() == DatabaseKind.POSTGRESQL) {
                assertThrows(SnapshotTooOldException.class, () -> repeatable.confirm(key, A, inOneMinute(), stock::sell));
            } else {
                // InnoDB's compare-and-set is a current read: it sees the try whatever the snapshot
                assertEquals(FenceOutcome.EXECUTED, repeatable.confirm(key, A, inOneMinute(), stock::sell).outcome());
            }
        });
        assertEquals(kind() == DatabaseKind.POSTGRESQL ? FenceState.TRIED : FenceState.CONFIRMED, state(key));
        assertEquals(kind() == DatabaseKind.POSTGRESQL ? FenceOutcome.EXECUTED : FenceOutcome.DUPLICATE,
                confirm(key).outcome());
        assertArrayEquals(new int[] {9, 0, 1}, stock.stock(sku));
    }

    /**
     * Opens a REPEATABLE READ transaction and takes its snapshot, lets {@code before} commit elsewhere, then runs
     * {@code inside} through a fence that joins the old snapshot, writes to stock in the same transaction and commits:
     * the caller's transaction must still be usable.
     */
    private void inOlderSnapshot(Executable before, SnapshotWork inside) throws Throwable {
        try (HikariDataSource repeatableRead = db.newDataSource("TRANSACTION_REPEATABLE_READ", 2)) {
            DataSourceTransactionManager manager = new DataSourceTransactionManager(repeatableRead);
            Fence repeatable = new Fence(repeatableRead, manager, FenceConfig.ofDefaults(), counters);
            JdbcTemplate callerJdbc = new JdbcTemplate(repeatableRead);
            new TransactionTemplate(manager).executeWithoutResult(status -> {
                callerJdbc.queryForObject("SELECT available FROM stock WHERE sku = ?", Integer.class, sku); // the snapshot
                try {
                    before.execute();
                    inside.run(repeatable);
                } catch (Throwable e) {
                    throw new AssertionError(e);
                }
                callerJdbc.update("INSERT INTO stock (sku, available, frozen, sold) VALUES (?, 1, 0, 0)", sku + "-caller");
            });
            assertArrayEquals(new int[] {1, 0, 0}, stock.stock(sku + "-caller"), "the caller's own write committed");
        }
    }

    @FunctionalInterface
    private interface SnapshotWork {
        void run(Fence joiningFence) throws Throwable;
    }

    /** Moves a row's last change and its deadline {@code age} into the past, as if it had finished that long ago. */
    private void backdate(BranchKey key, Duration age) {
        String sql = kind() == DatabaseKind.MYSQL
                ? "UPDATE tcc_fence SET updated_at = updated_at - INTERVAL ? SECOND, deadline_ms = deadline_ms - ?"
                        + " WHERE xid = ? AND branch_id = ?"
                : "UPDATE tcc_fence SET updated_at = updated_at - make_interval(secs => ?), deadline_ms = deadline_ms - ?"
                        + " WHERE xid = ? AND branch_id = ?";
        assertEquals(1, jdbc.update(sql, age.toSeconds(), age.toMillis(), key.xid(), key.branchId()));
    }
}
