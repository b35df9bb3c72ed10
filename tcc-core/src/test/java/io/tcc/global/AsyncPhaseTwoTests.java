package io.tcc.global;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;

import io.tcc.Timing;
import io.tcc.annotation.GlobalTransaction;
import io.tcc.annotation.PhaseTwoMode;
import io.tcc.context.TransactionContext;
import io.tcc.interception.TccInterceptorSupport;
import io.tcc.interception.TccTemplate;
import io.tcc.test.DatabaseKind;
import io.tcc.test.TestDatabase;

/**
 * Asynchronous phase two on a real database: the global log in a database of its own and the participant in another,
 * so every confirm runs on the initiator's pool; a confirm blocked on a latch shows the caller answered before it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class AsyncPhaseTwoTests {

    private TestDatabase logDatabase;
    private StockParticipant participant;
    private StockActions actions;
    private Coordinator coordinator;
    private final List<Coordinator> opened = new ArrayList<>();
    private final AtomicReference<CrashPoints.Point> crashAt = new AtomicReference<>();
    private String sku;

    abstract DatabaseKind kind();

    @BeforeAll
    void createDatabases() {
        logDatabase = TestDatabase.create(kind(), "async_log").applySchema("global.sql");
        participant = new StockParticipant(TestDatabase.create(kind(), "async_part").applySchema("fence.sql")
                .run("tcc-test/stock.sql"));
        actions = participant.actions;
    }

    /** A coordinator on the log database with the test's settings; closed after the test. */
    private Coordinator coordinator(UnaryOperator<CoordinatorConfig.Builder> settings) {
        Timing timing = Timing.custom().recoveryMargin(Duration.ofMillis(1)).build();
        CoordinatorConfig config = settings.apply(CoordinatorConfig.custom().xidPrefix("async").timing(timing)
                .phaseTwoRetryDelay(Duration.ofSeconds(1))).build();
        Coordinator c = new Coordinator(logDatabase.dataSource(), new DataSourceTransactionManager(logDatabase.dataSource()),
                config, participant.local, (point, xid) -> {
                    if (point == crashAt.get()) {
                        throw new CrashPoints.SimulatedCrash(point, xid);
                    }
                });
        opened.add(c);
        return c;
    }

    @BeforeEach
    void newSku() {
        sku = "sku-" + UUID.randomUUID();
        participant.stock(sku, 10);
        actions.failingConfirms.set(0);
        actions.confirmWork = () -> { };
        actions.releases.set(0);
        crashAt.set(null);
        coordinator = coordinator(b -> b);
    }

    @AfterEach
    void closeCoordinators() {
        actions.confirmWork = () -> { };
        opened.forEach(Coordinator::close);
        opened.clear();
    }

    @AfterAll
    void dropDatabases() {
        logDatabase.close();
        participant.database.close();
    }

    @Test
    void asyncAnswersOnceTheDecisionIsDurableAndAwaitingSeesPhaseTwoFinish() throws Throwable {
        CountDownLatch confirmMayRun = new CountDownLatch(1);
        actions.confirmWork = () -> awaitUninterruptibly(confirmMayRun);

        PhaseTwoChoice.Outcome outcome;
        try (PhaseTwoChoice choice = PhaseTwoChoice.bind(PhaseTwoMode.ASYNC)) {
            assertEquals("reserved 2 " + sku, coordinator.execute("async-order", Duration.ofSeconds(10),
                    () -> reserve(coordinator, 2)));
            outcome = choice.outcome();
        }

        // answered while the confirm is still held: the decision is durable, phase two is pending
        assertEquals(GlobalState.CONFIRMING, outcome.decision());
        assertTrue(outcome.phaseTwoPending());
        assertEquals(GlobalState.CONFIRMING, coordinator.log().find(outcome.xid()).orElseThrow().state());
        assertArrayEquals(new int[] {8, 2, 0}, stock());
        assertEquals(GlobalState.CONFIRMING, coordinator.awaitCompletion(outcome.xid(), Duration.ofMillis(50)).orElseThrow(),
                "awaiting answers the current state when the time is up");
        assertFalse(outcome.completion().isDone());

        confirmMayRun.countDown();
        assertEquals(GlobalState.CONFIRMED, coordinator.awaitCompletion(outcome.xid(), Duration.ofSeconds(30)).orElseThrow());
        assertEquals(GlobalState.CONFIRMED, outcome.completion().get(30, TimeUnit.SECONDS));
        assertEquals(GlobalState.CONFIRMED, coordinator.log().find(outcome.xid()).orElseThrow().state());
        assertArrayEquals(new int[] {8, 0, 2}, stock());
    }

    /** An initiator whose method asks for asynchronous phase two by its annotation. */
    public class AsyncShop {
        @GlobalTransaction(name = "async-by-annotation", timeoutMillis = 10_000, phaseTwo = PhaseTwoMode.ASYNC)
        public String buy(int quantity) throws Exception {
            return reserve(coordinator, quantity);
        }
    }

    @Test
    void theAnnotationsAsyncIsTheDefaultAndARequestsChoiceWinsOverIt() throws Throwable {
        CountDownLatch confirmMayRun = new CountDownLatch(1);
        actions.confirmWork = () -> awaitUninterruptibly(confirmMayRun);
        TccInterceptorSupport interception = new TccInterceptorSupport(coordinator, participant.registry);
        AsyncShop shop = new AsyncShop();
        Method buy = AsyncShop.class.getMethod("buy", int.class);

        PhaseTwoChoice.Outcome byAnnotation;
        try (PhaseTwoChoice observe = PhaseTwoChoice.bind(PhaseTwoMode.ASYNC)) {
            interception.invoke(buy, shop, new Object[] {1}, () -> shop.buy(1));
            byAnnotation = observe.outcome();
        }
        // without any choice bound: the annotation alone makes it asynchronous, answered with the confirm still held
        AtomicReference<String> xid = new AtomicReference<>();
        interception.invoke(buy, shop, new Object[] {1}, () -> {
            xid.set(TransactionContext.current().xid());
            return shop.buy(1);
        });
        assertEquals(GlobalState.CONFIRMING, coordinator.log().find(xid.get()).orElseThrow().state());
        assertTrue(byAnnotation.phaseTwoPending());
        confirmMayRun.countDown();
        assertEquals(GlobalState.CONFIRMED, coordinator.awaitCompletion(xid.get(), Duration.ofSeconds(30)).orElseThrow());
        assertEquals(GlobalState.CONFIRMED, coordinator.awaitCompletion(byAnnotation.xid(), Duration.ofSeconds(30))
                .orElseThrow());

        // a request that asks for SYNC is answered after phase two, whatever the annotation says
        PhaseTwoChoice.Outcome synchronous;
        try (PhaseTwoChoice choice = PhaseTwoChoice.bind(PhaseTwoMode.SYNC)) {
            interception.invoke(buy, shop, new Object[] {1}, () -> shop.buy(1));
            synchronous = choice.outcome();
        }
        assertEquals(GlobalState.CONFIRMED, synchronous.state());
        assertArrayEquals(new int[] {7, 0, 3}, stock());
    }

    @Test
    void theTemplateChoosesAsyncPerCallAndAFailedTryIsAnsweredOnceCancelIsDecided() throws Throwable {
        AtomicReference<String> xid = new AtomicReference<>();
        TccTemplate template = new TccTemplate(coordinator);
        assertThrows(StockActions.OutOfStock.class, () -> template.execute("async-cancel", Duration.ofSeconds(10),
                PhaseTwoMode.ASYNC, () -> {
                    xid.set(TransactionContext.current().xid());
                    reserve(coordinator, 1);
                    return reserve(coordinator, 100);
                }));

        assertTrue(coordinator.log().find(xid.get()).orElseThrow().state().finalState() == GlobalState.CANCELLED,
                "decided CANCEL before the caller got the failure");
        assertEquals(GlobalState.CANCELLED, coordinator.awaitCompletion(xid.get(), Duration.ofSeconds(30)).orElseThrow());
        assertArrayEquals(new int[] {10, 0, 0}, stock());
    }

    @Test
    void aCrashAfterTheDecisionLeavesPhaseTwoToRecoveryWhichFinishesIt() throws Throwable {
        crashAt.set(CrashPoints.Point.AFTER_DECISION);
        AtomicReference<String> xid = new AtomicReference<>();
        assertThrows(CrashPoints.SimulatedCrash.class, () -> coordinator.execute("async-crash", Duration.ofSeconds(10),
                PhaseTwoMode.ASYNC, () -> {
                    xid.set(TransactionContext.current().xid());
                    return reserve(coordinator, 3);
                }));
        assertEquals(GlobalState.CONFIRMING, coordinator.log().find(xid.get()).orElseThrow().state());
        assertEquals(0, coordinator.phaseTwoQueued(), "the pool never saw it");

        // a restarted initiator knows nothing of it: awaiting reads the log, recovery finishes it
        Coordinator restarted = coordinator(b -> b);
        assertEquals(GlobalState.CONFIRMING, restarted.awaitCompletion(xid.get(), Duration.ofMillis(50)).orElseThrow());
        assertEquals(GlobalState.CONFIRMED, restarted.phaseTwo().resume(xid.get()).orElseThrow(), "what recovery does");
        assertEquals(GlobalState.CONFIRMED, restarted.awaitCompletion(xid.get(), Duration.ofSeconds(1)).orElseThrow());
        assertArrayEquals(new int[] {7, 0, 3}, stock());
    }

    @Test
    void aFullPoolHasTheCallerRunItsOwnPhaseTwo() throws Throwable {
        Coordinator small = coordinator(b -> b.asyncThreads(1).asyncQueueCapacity(0));
        CountDownLatch firstMayConfirm = new CountDownLatch(1);
        AtomicBoolean first = new AtomicBoolean(true);
        actions.confirmWork = () -> {
            if (first.getAndSet(false)) {
                awaitUninterruptibly(firstMayConfirm);
            }
        };
        PhaseTwoChoice.Outcome held;
        PhaseTwoChoice.Outcome ranHere;
        try (PhaseTwoChoice choice = PhaseTwoChoice.bind(PhaseTwoMode.ASYNC)) {
            small.execute("holds-the-pool", Duration.ofSeconds(10), () -> reserve(small, 1));
            held = choice.outcome();
            small.execute("finds-it-full", Duration.ofSeconds(10), () -> reserve(small, 1));
            ranHere = choice.outcome();
        }

        assertTrue(held.phaseTwoPending());
        assertEquals(GlobalState.CONFIRMED, ranHere.state(), "its caller ran its phase two before it was answered");
        assertFalse(ranHere.phaseTwoPending());
        firstMayConfirm.countDown();
        assertEquals(GlobalState.CONFIRMED, small.awaitCompletion(held.xid(), Duration.ofSeconds(30)).orElseThrow());
        assertArrayEquals(new int[] {8, 0, 2}, stock());
    }

    @Test
    void aFailedAsyncConfirmIsRetriedAsAConfirm() throws Throwable {
        actions.failingConfirms.set(1);
        PhaseTwoChoice.Outcome outcome;
        try (PhaseTwoChoice choice = PhaseTwoChoice.bind(PhaseTwoMode.ASYNC)) {
            coordinator.execute("async-retry", Duration.ofSeconds(10), () -> reserve(coordinator, 4));
            outcome = choice.outcome();
        }
        assertEquals(GlobalState.CONFIRMING, outcome.completion().get(30, TimeUnit.SECONDS),
                "the pool tried once and left the rest to recovery");
        assertEquals(GlobalState.CONFIRMED, coordinator.phaseTwo().resume(outcome.xid()).orElseThrow(), "what recovery does");
        assertEquals(0, actions.releases.get(), "never turned into a cancel");
        assertArrayEquals(new int[] {6, 0, 4}, stock());
    }

    @Test
    void closingDrainsWithinItsBoundAndLeavesTheRestToRecovery() throws Throwable {
        Coordinator closing = coordinator(b -> b.asyncDrainTimeout(Duration.ofMillis(200)));
        CountDownLatch never = new CountDownLatch(1);
        actions.confirmWork = () -> awaitUninterruptibly(never);
        PhaseTwoChoice.Outcome outcome;
        try (PhaseTwoChoice choice = PhaseTwoChoice.bind(PhaseTwoMode.ASYNC)) {
            closing.execute("left-at-shutdown", Duration.ofSeconds(10), () -> reserve(closing, 5));
            outcome = choice.outcome();
        }
        long start = System.nanoTime();
        closing.close();
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(20), "close waits its drain timeout, not the confirm");
        assertEquals(GlobalState.CONFIRMING, closing.log().find(outcome.xid()).orElseThrow().state());
        assertEquals(GlobalState.CONFIRMING, outcome.completion().get(30, TimeUnit.SECONDS),
                "the interrupted confirm failed and left the transaction to recovery");

        never.countDown();
        actions.confirmWork = () -> { };
        assertEquals(GlobalState.CONFIRMED, coordinator.phaseTwo().resume(outcome.xid()).orElseThrow(), "what recovery does");
        assertArrayEquals(new int[] {5, 0, 5}, stock());
    }

    private String reserve(Coordinator c, int quantity) throws Exception {
        try {
            return participant.reserve(c, sku, quantity);
        } catch (Exception | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private int[] stock() {
        return participant.stock(sku);
    }

    private static void awaitUninterruptibly(CountDownLatch latch) {
        try {
            if (!latch.await(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the test never released the latch");
            }
        } catch (InterruptedException e) {
            throw new IllegalStateException("interrupted while held (a shut-down)", e);
        }
    }
}
