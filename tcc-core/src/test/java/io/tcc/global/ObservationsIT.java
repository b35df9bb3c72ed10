package io.tcc.global;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.InvocationTargetException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.tcc.Timing;
import io.tcc.annotation.PhaseTwoMode;
import io.tcc.context.TransactionContext;
import io.tcc.fence.Fence;
import io.tcc.fence.FenceConfig;
import io.tcc.fence.FenceListener;
import io.tcc.fence.FenceObservations;
import io.tcc.fence.ParticipantObservationContext;
import io.tcc.participant.ActionDescriptor;
import io.tcc.participant.ActionRegistry;
import io.tcc.participant.Interception;
import io.tcc.participant.JavaSerializationCodec;
import io.tcc.participant.LocalParticipant;
import io.tcc.test.Await;
import io.tcc.test.DatabaseKind;
import io.tcc.test.TestDatabase;

/**
 * The observations of the request path on MariaDB/MySQL, recorded as an application's registry records them (timers
 * through Micrometer's meter handler) and as a tracer would nest them (each observation's parent): a transaction, its
 * branch calls inside it, the participant's fenced calls inside those, and the business method's own inside them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ObservationsIT {

    private TestDatabase logDatabase;
    private TestDatabase participantDatabase;
    private StockActions actions;
    private SimpleMeterRegistry meters;
    private ObservationRegistry observations;
    /** Every observation that stopped, and the thread each started on. */
    private final List<Observation.Context> stopped = new CopyOnWriteArrayList<>();
    private final Map<Observation.Context, String> startedOn = new ConcurrentHashMap<>();
    private Coordinator coordinator;
    private ActionDescriptor reserve;
    private String sku;

    @BeforeAll
    void createDatabases() {
        logDatabase = TestDatabase.create(DatabaseKind.MYSQL, "obs_log").applySchema("global.sql");
        // the log's database holds a fence and stock too: the coordinator sharing commits with its participant
        participantDatabase = TestDatabase.create(DatabaseKind.MYSQL, "obs_part").applySchema("fence.sql")
                .applySchema("global.sql").run("tcc-test/stock.sql");
        actions = new StockActions(new JdbcTemplate(participantDatabase.dataSource()));
    }

    @AfterAll
    void dropDatabases() {
        logDatabase.close();
        participantDatabase.close();
    }

    @BeforeEach
    void observe() {
        meters = new SimpleMeterRegistry();
        observations = ObservationRegistry.create();
        observations.observationConfig().observationHandler(new DefaultMeterObservationHandler(meters));
        observations.observationConfig().observationHandler(new ObservationHandler<>() {
            @Override
            public boolean supportsContext(Observation.Context context) {
                return true;
            }

            @Override
            public void onStart(Observation.Context context) {
                startedOn.put(context, Thread.currentThread().getName());
            }

            @Override
            public void onStop(Observation.Context context) {
                stopped.add(context);
            }
        });
        stopped.clear();
        actions.failingConfirms.set(0);
        actions.confirmWork = () -> { };
        sku = "sku-" + UUID.randomUUID();
        participantDatabase.jdbc().update("INSERT INTO stock (sku, available, frozen, sold) VALUES (?, 10, 0, 0)", sku);
        coordinator = coordinator(logDatabase.dataSource());
    }

    @AfterEach
    void close() {
        coordinator.close();
    }

    /** A coordinator whose log lives in {@code logData}, its participant's fence and stock in the participant's. */
    private Coordinator coordinator(DataSource logData) {
        DataSource data = participantDatabase.dataSource();
        Fence fence = new Fence(data, new DataSourceTransactionManager(data), FenceConfig.ofDefaults(),
                FenceListener.NONE, FenceObservations.of(observations));
        ActionRegistry registry = new ActionRegistry(Interception.PROXY);
        registry.register(actions, StockActions.class);
        reserve = registry.forAction("reserve-stock");
        CoordinatorConfig config = CoordinatorConfig.custom().xidPrefix("obs")
                .timing(Timing.custom().recoveryMargin(Duration.ofMillis(1)).build()).build();
        return new Coordinator(logData, new DataSourceTransactionManager(logData), config,
                new LocalParticipant(fence, registry, new JavaSerializationCodec()), CrashPoints.NONE,
                CoordinatorObservations.of(observations));
    }

    /** What the {@code @Try} aspect does; the business method observes its own work, as instrumented SQL would. */
    private String reserve(int quantity) throws Throwable {
        Object[] args = {sku, quantity};
        return coordinator.tryBranch(reserve, args, () -> Observation.createNotStarted("stock.update", observations)
                .observeChecked(() -> {
                    try {
                        return (String) reserve.tryMethod().invoke(actions, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                }));
    }

    @Test
    void aConfirmedTransactionIsTimedWithEachBranchCallAndFencedCallNestedInsideIt() throws Throwable {
        String xid = coordinator.execute("place-order", Duration.ofSeconds(10), () -> {
            reserve(2);
            return TransactionContext.current().xid();
        });

        assertEquals(1, count("tcc.transaction", "transaction", "place-order", "outcome", "CONFIRMED", "phase.two", "SYNC"));
        assertEquals(1, count("tcc.branch", "participant", "local", "action", "reserve-stock", "phase", "try",
                "outcome", "SUCCESS", "driver", "caller"));
        assertEquals(1, count("tcc.branch", "phase", "confirm", "outcome", "SUCCESS", "driver", "caller"));
        assertEquals(1, count("tcc.participant", "action", "reserve-stock", "phase", "try", "result", "EXECUTED"));
        assertEquals(1, count("tcc.participant", "phase", "confirm", "result", "EXECUTED"));
        assertEquals(2, count("tcc.branch"), "one per branch and phase, nothing else");

        Observation.Context transaction = only("tcc.transaction");
        assertEquals(xid, transaction.getHighCardinalityKeyValue("tcc.xid").getValue());
        Observation.Context tryCall = only("tcc.branch", "phase", "try");
        Observation.Context confirmCall = only("tcc.branch", "phase", "confirm");
        assertEquals(xid, tryCall.getHighCardinalityKeyValue("tcc.xid").getValue());
        assertEquals("1", tryCall.getHighCardinalityKeyValue("tcc.branch").getValue());
        assertSame(transaction, parent(tryCall));
        assertSame(transaction, parent(confirmCall));
        Observation.Context fencedTry = only("tcc.participant", "phase", "try");
        assertSame(tryCall, parent(fencedTry));
        assertSame(confirmCall, parent(only("tcc.participant", "phase", "confirm")));
        assertSame(fencedTry, parent(only("stock.update")), "the business method's own observation nests in the fence's");
        assertEquals(xid, ((ParticipantObservationContext) fencedTry).key().xid());
        // the decision between the try and the confirm
        assertEquals(1, count("tcc.decision", "wanted", "confirm", "outcome", "CONFIRM", "driver", "caller"));
        Observation.Context decision = only("tcc.decision");
        assertSame(transaction, parent(decision));
        assertEquals(xid, decision.getHighCardinalityKeyValue("tcc.xid").getValue());
        assertTrue(stopped.indexOf(tryCall) < stopped.indexOf(decision)
                && stopped.indexOf(decision) < stopped.indexOf(confirmCall), "try, decision, confirm: " + stopped);
    }

    @Test
    void aDecisionAnOperatorTookFirstIsFollowedAndEachDecisionTellsWhatTheLogHolds() {
        String[] xid = new String[1];
        assertThrows(GlobalTransactionCancelledException.class, () -> coordinator.execute("place-order",
                Duration.ofSeconds(10), () -> {
                    reserve(2);
                    xid[0] = TransactionContext.current().xid();
                    // an operator cancels it from elsewhere while it is still trying
                    return CompletableFuture.supplyAsync(() -> coordinator.phaseTwo().decideCancel(xid[0])).join();
                }));

        Observation.Context operators = only("tcc.decision", "driver", "recovery");
        assertEquals("cancel", operators.getLowCardinalityKeyValue("wanted").getValue());
        assertEquals("CANCEL", operators.getLowCardinalityKeyValue("outcome").getValue());
        assertNull(operators.getParentObservation(), "taken elsewhere: found by its tcc.xid");
        assertEquals(xid[0], operators.getHighCardinalityKeyValue("tcc.xid").getValue());
        Observation.Context initiators = only("tcc.decision", "driver", "caller");
        assertEquals("confirm", initiators.getLowCardinalityKeyValue("wanted").getValue());
        assertEquals("CANCEL", initiators.getLowCardinalityKeyValue("outcome").getValue(), "it followed the cancel");
        assertSame(only("tcc.transaction"), parent(initiators));
        assertEquals(1, count("tcc.branch", "phase", "cancel", "outcome", "SUCCESS"));
        assertArrayEquals(new int[] {10, 0, 0}, stock());
    }

    @Test
    void aRefusedTryCancelsAndItsCancelIsAnEmptyOneAtTheFence() {
        assertThrows(StockActions.OutOfStock.class, () -> coordinator.execute("place-order", Duration.ofSeconds(10),
                () -> reserve(11)));

        assertEquals(1, count("tcc.transaction", "outcome", "CANCELLED", "error", "OutOfStock"));
        assertEquals(1, count("tcc.branch", "phase", "try", "outcome", "FAILURE"));
        assertEquals(1, count("tcc.participant", "phase", "try", "result", "FAILED"));
        // the try rolled back with its fence row, so the cancel finds none: an empty cancel, as the fence records it
        assertEquals(1, count("tcc.branch", "phase", "cancel", "outcome", "SUCCESS"));
        assertEquals(1, count("tcc.participant", "phase", "cancel", "result", "EMPTY_CANCEL"));
        assertArrayEquals(new int[] {10, 0, 0}, stock());
    }

    @Test
    void asynchronousPhaseTwoIsTimedUntilDoneOnThePoolUnderItsTransaction() throws Throwable {
        CountDownLatch confirmMayRun = new CountDownLatch(1);
        actions.confirmWork = () -> {
            try {
                confirmMayRun.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        String xid = coordinator.execute("place-order", Duration.ofSeconds(10), PhaseTwoMode.ASYNC, () -> {
            reserve(2);
            return TransactionContext.current().xid();
        });

        // answered, phase two held on the pool: the transaction is still being observed
        assertEquals(0, count("tcc.transaction"));
        confirmMayRun.countDown();
        assertEquals(GlobalState.CONFIRMED, coordinator.awaitCompletion(xid, Duration.ofSeconds(30)).orElseThrow());
        // stopped on the pool's thread as phase two completes, which may wake the waiter just before
        Await.until("the transaction's observation to stop once its phase two is done", Duration.ofSeconds(10),
                () -> count("tcc.transaction") == 1);

        assertEquals(1, count("tcc.transaction", "outcome", "CONFIRMED", "phase.two", "ASYNC"));
        Observation.Context confirmCall = only("tcc.branch", "phase", "confirm");
        assertEquals("pool", confirmCall.getLowCardinalityKeyValue("driver").getValue());
        assertTrue(startedOn.get(confirmCall).startsWith("tcc-phase-two-"), startedOn.get(confirmCall));
        assertSame(only("tcc.transaction"), parent(confirmCall), "handed its transaction's observation across threads");
        assertSame(confirmCall, parent(only("tcc.participant", "phase", "confirm")));
    }

    @Test
    void aConfirmThatFailsLeavesTheOutcomeUnknownAndRecoveryDrivesItInACallOfItsOwn() throws Throwable {
        actions.failingConfirms.set(1);
        String xid = coordinator.execute("place-order", Duration.ofSeconds(10), () -> {
            reserve(2);
            return TransactionContext.current().xid();
        });

        assertEquals(1, count("tcc.transaction", "outcome", "UNKNOWN"), "decided, but phase two is left to recovery");
        assertEquals(1, count("tcc.branch", "phase", "confirm", "outcome", "FAILURE", "driver", "caller"));
        assertEquals(1, count("tcc.participant", "phase", "confirm", "result", "FAILED"));

        assertEquals(GlobalState.CONFIRMED, coordinator.phaseTwo().resume(xid).orElseThrow());
        Observation.Context recovered = only("tcc.branch", "driver", "recovery");
        assertEquals("SUCCESS", recovered.getLowCardinalityKeyValue("outcome").getValue());
        assertEquals(xid, recovered.getHighCardinalityKeyValue("tcc.xid").getValue());
        assertNull(recovered.getParentObservation(), "recovery's calls are roots, found by their tcc.xid");
        assertArrayEquals(new int[] {8, 0, 2}, stock());
    }

    @Test
    void aLocalConfirmInsideTheDecisionsCommitIsABranchCallToo() throws Throwable {
        coordinator.close();
        coordinator = coordinator(participantDatabase.dataSource());
        assertTrue(coordinator.sharesCommitsWithLocalParticipant());

        coordinator.execute("place-order", Duration.ofSeconds(10), () -> reserve(2));

        assertEquals(1, count("tcc.transaction", "outcome", "CONFIRMED"));
        assertEquals(1, count("tcc.branch", "phase", "confirm", "outcome", "SUCCESS", "driver", "caller"));
        assertSame(only("tcc.decision"), parent(only("tcc.branch", "phase", "confirm")), "it commits with the decision");
        assertSame(only("tcc.transaction"), parent(only("tcc.decision")));
        assertSame(only("tcc.branch", "phase", "confirm"), parent(only("tcc.participant", "phase", "confirm")));
        assertArrayEquals(new int[] {8, 0, 2}, stock());
    }

    /** How many observations of {@code name} with these tags stopped, as the meter registry's timers count them. */
    private long count(String name, String... tags) {
        return meters.find(name).tags(tags).timers().stream().mapToLong(Timer::count).sum();
    }

    /** The one stopped observation of {@code name} with these low-cardinality tags. */
    private Observation.Context only(String name, String... tags) {
        List<Observation.Context> found = stopped.stream().filter(c -> name.equals(c.getName())).filter(c -> {
            for (int i = 0; i < tags.length; i += 2) {
                if (c.getLowCardinalityKeyValue(tags[i]) == null
                        || !tags[i + 1].equals(c.getLowCardinalityKeyValue(tags[i]).getValue())) {
                    return false;
                }
            }
            return true;
        }).toList();
        assertEquals(1, found.size(), () -> name + " " + List.of(tags) + " in " + stopped);
        return found.get(0);
    }

    private static Observation.ContextView parent(Observation.Context child) {
        assertInstanceOf(Observation.class, child.getParentObservation(), () -> child.getName() + " has no parent");
        return child.getParentObservation().getContextView();
    }

    private int[] stock() {
        return participantDatabase.jdbc().queryForObject("SELECT available, frozen, sold FROM stock WHERE sku = ?",
                (rs, n) -> new int[] {rs.getInt(1), rs.getInt(2), rs.getInt(3)}, sku);
    }
}
