package io.tcc.fence;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
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
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import io.tcc.BadInputException;
import io.tcc.test.DatabaseKind;
import io.tcc.test.TestDatabase;

/**
 * Every row of the fence table in DESIGN.md, on a real database. Subclasses name the database.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class FenceContractTests {

    private static final String A = StockFixture.ACTION;

    private TestDatabase db;
    private JdbcTemplate jdbc;
    private DataSourceTransactionManager txManager;
    private FenceCounters counters;
    private Fence fence;
    private StockFixture stock;
    private String sku;

    abstract DatabaseKind kind();

    @BeforeAll
    void createDatabase() {
        db = TestDatabase.create(kind(), "fence_contract").applySchema("fence.sql").run("tcc-test/stock.sql");
        jdbc = db.jdbc();
        txManager = new DataSourceTransactionManager(db.dataSource());
        counters = new FenceCounters();
        fence = new Fence(db.dataSource(), txManager, FenceConfig.ofDefaults(), counters);
        stock = new StockFixture(jdbc);
    }

    @AfterAll
    void dropDatabase() {
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
        return fence.confirm(key, A, stock::sell);
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

        assertThrows(IllegalStateException.class, () -> fence.confirm(key, A, tried -> {
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
        assertThrows(ProtocolViolationException.class, () -> fence.confirm(key, "pay", tried -> "paid"));
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
        assertThrows(BadInputException.class, () -> fence.confirm(key, null, tried -> "x"));
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
        assertTrue(far.getMessage().contains("maxTransactionTimeout"), far.getMessage());
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
            FenceStoreException error = assertThrows(FenceStoreException.class, () -> fence.find(key));
            assertTrue(error.getMessage().contains("PAUSED") && error.getMessage().contains(key.xid()), error.getMessage());
            assertThrows(FenceStoreException.class, () -> confirm(key));
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
    void cleanupRefusesRetentionShorterThanTheLongestTransactionPlusSkew() {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> fence.deleteFinished(Duration.ofMinutes(5), 100));
        assertTrue(refused.getMessage().contains("minimum"), refused.getMessage());
    }

    private void backdate(BranchKey key, Duration age) {
        String sql = kind() == DatabaseKind.MYSQL
                ? "UPDATE tcc_fence SET updated_at = updated_at - INTERVAL ? SECOND WHERE xid = ? AND branch_id = ?"
                : "UPDATE tcc_fence SET updated_at = updated_at - make_interval(secs => ?) WHERE xid = ? AND branch_id = ?";
        assertEquals(1, jdbc.update(sql, age.toSeconds(), key.xid(), key.branchId()));
    }
}
