package io.tcc.recovery;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.InvocationTargetException;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;

import javax.sql.DataSource;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;

import com.zaxxer.hikari.HikariDataSource;

import io.tcc.Timing;
import io.tcc.context.TransactionContext;
import io.tcc.fence.Fence;
import io.tcc.fence.FenceConfig;
import io.tcc.fence.FenceListener;
import io.tcc.global.Coordinator;
import io.tcc.global.CoordinatorConfig;
import io.tcc.global.CrashPoints;
import io.tcc.global.GlobalRecord;
import io.tcc.global.GlobalState;
import io.tcc.global.StockActions;
import io.tcc.participant.ActionDescriptor;
import io.tcc.participant.ActionRegistry;
import io.tcc.participant.Interception;
import io.tcc.participant.JavaSerializationCodec;
import io.tcc.participant.LocalParticipant;
import io.tcc.test.Await;
import io.tcc.test.DatabaseKind;
import io.tcc.test.TestClock;
import io.tcc.test.TestDatabase;
import tools.jackson.databind.json.JsonMapper;

/**
 * Recovery on a real database. The initiator and every daemon are wired afresh over the same databases, as separate
 * processes would be: what they share is only what the logs hold.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class RecoveryTests {

    private TestDatabase logDb;
    private TestDatabase participantDb;
    private final AtomicReference<CrashPoints.Point> crashAt = new AtomicReference<>();
    private String sku;

    abstract DatabaseKind kind();

    /**
     * The autocommit mode of the pools the framework runs on (the test's own setup and checks use autocommit pools):
     * off as the demo services run them, where a write outside a transaction would be rolled back.
     */
    boolean autoCommit() {
        return true;
    }

    private DataSource logPool;
    private DataSource participantPool;

    /** One process: a participant, its fence, a coordinator over the shared log. */
    private record Node(Coordinator coordinator, StockActions stock, ActionDescriptor reserve) {
    }

    private Node node() {
        DataSourceTransactionManager participantTx = new DataSourceTransactionManager(participantPool);
        Fence fence = new Fence(participantPool, participantTx, FenceConfig.ofDefaults(), FenceListener.NONE);
        StockActions stock = new StockActions(new JdbcTemplate(participantPool));
        ActionRegistry registry = new ActionRegistry(Interception.PROXY);
        registry.register(stock, StockActions.class);
        CoordinatorConfig config = CoordinatorConfig.custom().timing(Timing.custom().recoveryMargin(Duration.ofMillis(1)).build())
                .phaseTwoRetryDelay(Duration.ofMillis(100)).build();
        Coordinator coordinator = new Coordinator(logPool, new DataSourceTransactionManager(logPool),
                config, new LocalParticipant(fence, registry, new JavaSerializationCodec()), (point, xid) -> {
                    if (point == crashAt.get()) {
                        throw new CrashPoints.SimulatedCrash(point, xid);
                    }
                });
        return new Node(coordinator, stock, registry.forAction("reserve-stock"));
    }

    private static Recovery recovery(Node node, int maxAttempts, RecoveryListener listener) {
        return new Recovery(node.coordinator().log(), node.coordinator().phaseTwo(), RecoveryConfig.custom().batchSize(100).lease(Duration.ofSeconds(30)).maxAttempts(maxAttempts).initialBackoff(Duration.ofMillis(20)).maxBackoff(Duration.ofMillis(200)).workers(4).build(), listener);
    }

    @BeforeAll
    void createDatabases() {
        logDb = TestDatabase.create(kind(), "recovery_log").applySchema("global.sql").applySchema("quartz.sql");
        participantDb = TestDatabase.create(kind(), "recovery_part").applySchema("fence.sql").run("tcc-test/stock.sql");
        logPool = autoCommit() ? logDb.dataSource() : logDb.newDataSource(null, 8, false);
        participantPool = autoCommit() ? participantDb.dataSource() : participantDb.newDataSource(null, 8, false);
    }

    @AfterAll
    void dropDatabases() {
        if (!autoCommit()) {
            ((HikariDataSource) logPool).close();
            ((HikariDataSource) participantPool).close();
        }
        logDb.close();
        participantDb.close();
    }

    @BeforeEach
    void newSku() {
        sku = "sku-" + UUID.randomUUID();
        participantDb.jdbc().update("INSERT INTO stock (sku, available, frozen, sold) VALUES (?, 5000, 0, 0)", sku);
        crashAt.set(null);
    }

    /** Runs a transaction of {@code branches} tries on an initiator that dies at {@code point}; returns its xid. */
    private String crashed(Node initiator, CrashPoints.Point point, Duration timeout, int branches) {
        crashAt.set(point);
        AtomicReference<String> xid = new AtomicReference<>();
        assertThrows(CrashPoints.SimulatedCrash.class, () -> initiator.coordinator().execute("crash", timeout, () -> {
            xid.set(TransactionContext.current().xid());
            for (int i = 0; i < branches; i++) {
                Object[] args = {sku, 1};
                initiator.coordinator().tryBranch(initiator.reserve(), args, () -> {
                    try {
                        return initiator.reserve().tryMethod().invoke(initiator.stock(), args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
            }
            return null;
        }));
        crashAt.set(null);
        return xid.get();
    }

    private int[] stock() {
        return participantDb.jdbc().queryForObject("SELECT available, frozen, sold FROM stock WHERE sku = ?",
                (rs, n) -> new int[] {rs.getInt(1), rs.getInt(2), rs.getInt(3)}, sku);
    }

    /** Runs recovery pass after pass (each waits out the back-off by polling) until {@code xid} is flagged. */
    private static void driveUntilFlagged(Recovery recovery, Coordinator coordinator, String xid) {
        Await.until(xid + " flagged by recovery", Duration.ofSeconds(10), () -> {
            recovery.runOnce();
            return coordinator.log().find(xid).orElseThrow().needsOperator();
        });
    }

    private static void drain(Recovery recovery, Coordinator coordinator, List<String> xids) {
        Await.until(xids + " finished by recovery", Duration.ofSeconds(10), () -> {
            recovery.runOnce();
            return xids.stream().allMatch(x -> coordinator.log().find(x).orElseThrow().state().isFinished());
        });
    }

    @Test
    void aFreshRecoveryFinishesInitiatorsThatDiedAtEveryPoint() throws Exception {
        Node initiator = node();
        String registered = crashed(initiator, CrashPoints.Point.AFTER_BRANCH_REGISTERED, Duration.ofMillis(300), 1);
        String tried = crashed(initiator, CrashPoints.Point.BEFORE_DECISION, Duration.ofMillis(300), 1);
        String decided = crashed(initiator, CrashPoints.Point.AFTER_DECISION, Duration.ofSeconds(30), 1);
        String halfway = crashed(initiator, CrashPoints.Point.AFTER_FIRST_PHASE_TWO, Duration.ofSeconds(30), 2);
        // registered: its try never ran; tried and decided: one unit frozen each; halfway: one sold, one frozen
        assertArrayEquals(new int[] {4996, 3, 1}, stock(), "what the dead initiators left behind");

        Node daemon = node(); // a new process: nothing in memory from the initiator
        drain(recovery(daemon, 10, RecoveryListener.NONE), daemon.coordinator(), List.of(registered, tried, decided, halfway));

        Map<String, GlobalState> expected = Map.of(registered, GlobalState.CANCELLED, tried, GlobalState.CANCELLED,
                decided, GlobalState.CONFIRMED, halfway, GlobalState.CONFIRMED);
        expected.forEach((xid, state) -> assertEquals(state, daemon.coordinator().log().find(xid).orElseThrow().state(), xid));
        assertArrayEquals(new int[] {4997, 0, 3}, stock(), "the tried one released, the decided ones sold, nothing frozen");
    }

    @Test
    void twoDaemonsOverAThousandPendingTransactionsNeverDriveOneAtOnce() throws Exception {
        Node initiator = node();
        List<String> pending = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            pending.add(crashed(initiator, CrashPoints.Point.AFTER_DECISION, Duration.ofSeconds(60), 1));
        }
        Node first = node();
        Await.until("the thousand phase twos due", Duration.ofSeconds(10),
                () -> first.coordinator().log().findDue(5000).containsAll(pending));

        Node second = node();
        Map<String, Integer> claimedBy = new ConcurrentHashMap<>();
        ExecutorService daemons = Executors.newFixedThreadPool(2);
        long started = System.nanoTime();
        try {
            List<Future<?>> runs = new ArrayList<>();
            for (Node daemon : List.of(first, second)) {
                Recovery recovery = recovery(daemon, 10, new RecoveryListener() {
                    @Override
                    public void onFinished(String xid, GlobalState state) {
                        claimedBy.merge(daemon == first ? "first" : "second", 1, Integer::sum);
                    }
                });
                runs.add(daemons.submit(() -> {
                    int idle = 0;
                    while (idle < 3) {
                        idle = recovery.runOnce().due() == 0 ? idle + 1 : 0;
                    }
                    return null;
                }));
            }
            for (Future<?> run : runs) {
                run.get(5, TimeUnit.MINUTES);
            }
        } finally {
            daemons.shutdownNow();
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

        for (String xid : pending) {
            assertEquals(GlobalState.CONFIRMED, first.coordinator().log().find(xid).orElseThrow().state(), xid);
        }
        Map<String, java.util.concurrent.atomic.AtomicInteger> calls = new ConcurrentHashMap<>(first.stock().confirms);
        second.stock().confirms.forEach((k, v) -> calls.merge(k, v, (a, b) -> new java.util.concurrent.atomic.AtomicInteger(a.get() + b.get())));
        assertEquals(1000, calls.size());
        assertTrue(calls.values().stream().allMatch(c -> c.get() == 1), "each confirm reached the participant once");
        assertEquals(0, first.stock().overlaps.get() + second.stock().overlaps.get(), "no confirm ran twice at once");
        assertArrayEquals(new int[] {4000, 0, 1000}, stock());
        System.out.printf("recovery | %s | 2 daemons, 1000 pending transactions | finished by each %s | %d ms%n",
                kind(), claimedBy, millis);
    }

    @Test
    void aPassStartsNoDriveAfterHalfTheLeaseAndWhatItLeftIsDueWhenTheLeaseEnds() throws Exception {
        Node initiator = node();
        List<String> decided = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            decided.add(crashed(initiator, CrashPoints.Point.AFTER_DECISION, Duration.ofSeconds(30), 1));
        }
        Node daemon = node();
        Await.until("the three phase twos due", Duration.ofSeconds(10), () -> decided.stream().allMatch(
                xid -> daemon.coordinator().log().findDue(1000).contains(xid)));
        TestClock clock = TestClock.stopped();
        daemon.stock().confirmWork = () -> clock.advance(Duration.ofMillis(1200)); // more than half the 2 s lease
        Recovery recovery = new Recovery(daemon.coordinator().log(), daemon.coordinator().phaseTwo(),
                RecoveryConfig.custom().batchSize(100).lease(Duration.ofSeconds(2)).maxAttempts(10).initialBackoff(Duration.ofMillis(20)).maxBackoff(Duration.ofMillis(200)).workers(1).build(),
                RecoveryListener.NONE, clock);

        Recovery.Pass pass = recovery.runOnce();

        List<String> left = decided.stream().filter(xid -> !daemon.coordinator().log().find(xid).orElseThrow().state()
                .isFinished()).toList();
        assertEquals(2, left.size(), "the first drive ran past half the lease, so the other two were left: " + pass);
        assertTrue(pass.postponed() >= 2, "left counts as postponed (the log may hold other tests' due rows): " + pass);
        for (String xid : left) {
            GlobalRecord tx = daemon.coordinator().log().find(xid).orElseThrow();
            assertEquals(0, tx.attempts(), "left unstarted: no attempt counted");
            assertFalse(daemon.coordinator().log().findDue(1000).contains(xid),
                    "still hidden by the claim's lease");
        }
        daemon.stock().confirmWork = () -> { };
        Await.until("the lease to end", Duration.ofSeconds(10), () -> left.stream().allMatch(
                xid -> daemon.coordinator().log().findDue(1000).contains(xid)));
        recovery.runOnce();
        left.forEach(xid -> assertEquals(GlobalState.CONFIRMED, daemon.coordinator().log().find(xid).orElseThrow().state()));
        assertEquals(0, daemon.stock().overlaps.get());
    }

    @Test
    void aTransactionThatKeepsFailingIsFlaggedForAnOperatorAndKeepsItsState() throws Exception {
        Node initiator = node();
        String xid = crashed(initiator, CrashPoints.Point.AFTER_DECISION, Duration.ofSeconds(30), 1);
        Node daemon = node();
        daemon.stock().failingConfirms.set(Integer.MAX_VALUE);
        List<String> flagged = new ArrayList<>();
        Recovery recovery = recovery(daemon, 3, new RecoveryListener() {
            @Override
            public void onFlagged(String x, GlobalState state, int attempts, String reason) {
                flagged.add(x + " " + state + " " + attempts + " " + reason);
            }
        });

        Await.until(xid + " flagged after three attempts", Duration.ofSeconds(10), () -> {
            recovery.runOnce();
            return !flagged.isEmpty();
        });

        assertEquals(1, flagged.size(), flagged.toString());
        GlobalRecord tx = daemon.coordinator().log().find(xid).orElseThrow();
        assertEquals(GlobalState.CONFIRMING, tx.state(), "nothing is guessed: it stays a confirm");
        assertTrue(tx.needsOperator());
        assertTrue(tx.operatorReason().contains("simulated outage"), tx.operatorReason());
        assertNull(tx.nextAttempt(), "no longer due: an operator takes over");
        assertFalse(daemon.coordinator().log().findDue(1000).contains(xid));
        assertArrayEquals(new int[] {4999, 1, 0}, stock());
    }

    @Test
    void anOperatorListsAFlaggedTransactionAndResolvesItWithAReasonKeptOnTheRow() throws Exception {
        Node initiator = node();
        String xid = crashed(initiator, CrashPoints.Point.AFTER_DECISION, Duration.ofSeconds(30), 1);
        Node daemon = node();
        daemon.stock().failingConfirms.set(Integer.MAX_VALUE);
        Recovery recovery = recovery(daemon, 2, RecoveryListener.NONE);
        driveUntilFlagged(recovery, daemon.coordinator(), xid);
        Operations operations = new Operations(daemon.coordinator().log(), daemon.coordinator().phaseTwo());

        assertTrue(operations.list(null, true, Duration.ZERO, 100).stream().anyMatch(t -> t.xid().equals(xid)));
        assertTrue(operations.list(GlobalState.CONFIRMED, true, Duration.ZERO, 100).stream().noneMatch(t -> t.xid().equals(xid)));
        assertTrue(operations.list(null, true, Duration.ofHours(1), 100).stream().noneMatch(t -> t.xid().equals(xid)),
                "not an hour old yet");
        Operations.TransactionView view = operations.show(xid).orElseThrow();
        assertTrue(view.transaction().attempts() >= 2);
        assertTrue(view.branches().get(0).lastOutcome().contains("simulated outage"), view.branches().get(0).lastOutcome());

        assertThrows(io.tcc.BadInputException.class, () -> operations.resolve(xid, Operations.Resolution.CONFIRM_ALL, " "));
        OperatorActionRefusedException refused = assertThrows(OperatorActionRefusedException.class,
                () -> operations.resolve(xid, Operations.Resolution.CANCEL_ALL, "give up"));
        assertTrue(refused.getMessage().contains("never cancelled"), refused.getMessage());

        daemon.stock().failingConfirms.set(0); // the participant was repaired
        assertEquals(GlobalState.CONFIRMED,
                operations.resolve(xid, Operations.Resolution.CONFIRM_ALL, "inventory DB restored from replica, ticket OPS-42"));
        GlobalRecord resolved = daemon.coordinator().log().find(xid).orElseThrow();
        assertEquals("operator CONFIRM_ALL: inventory DB restored from replica, ticket OPS-42", resolved.operatorReason());
        assertTrue(!resolved.needsOperator());
        assertArrayEquals(new int[] {4999, 0, 1}, stock());
        assertThrows(OperatorActionRefusedException.class, () -> operations.retryNow(xid), "finished: nothing to retry");
    }

    @Test
    void theOperatorEndpointsNeedTheTokenAndAnswerJson() throws Exception {
        Node initiator = node();
        String xid = crashed(initiator, CrashPoints.Point.AFTER_DECISION, Duration.ofSeconds(30), 1);
        Node daemon = node();
        daemon.stock().failingConfirms.set(Integer.MAX_VALUE);
        Recovery recovery = recovery(daemon, 1, RecoveryListener.NONE);
        driveUntilFlagged(recovery, daemon.coordinator(), xid);
        String token = "operator-token-of-some-length";
        Operations operations = new Operations(daemon.coordinator().log(), daemon.coordinator().phaseTwo());
        MockMvc http = MockMvcBuilders.routerFunctions(new OperatorEndpoint(operations, JsonMapper.builder().build(), token)
                .routes()).build();
        String bearer = "Bearer " + token;

        assertEquals(401, http.perform(get(OperatorEndpoint.PATH)).andReturn().getResponse().getStatus());
        assertEquals(401, http.perform(get(OperatorEndpoint.PATH).header("Authorization", "Bearer wrong-token-xxxxxx"))
                .andReturn().getResponse().getStatus());

        var listed = http.perform(get(OperatorEndpoint.PATH + "?flagged=true").header("Authorization", bearer)).andReturn().getResponse();
        assertEquals(200, listed.getStatus());
        assertTrue(listed.getContentAsString().contains(xid), listed.getContentAsString());
        assertEquals(400, http.perform(get(OperatorEndpoint.PATH + "?state=LOST").header("Authorization", bearer))
                .andReturn().getResponse().getStatus());

        var shown = http.perform(get(OperatorEndpoint.PATH + "/" + xid).header("Authorization", bearer)).andReturn().getResponse();
        assertEquals(200, shown.getStatus());
        assertTrue(shown.getContentAsString().contains("simulated outage"), shown.getContentAsString());

        var refused = http.perform(post(OperatorEndpoint.PATH + "/" + xid + "/resolve").header("Authorization", bearer)
                .contentType("application/json").content("{\"resolution\":\"CANCEL_ALL\",\"reason\":\"give up\"}")).andReturn().getResponse();
        assertEquals(409, refused.getStatus(), refused.getContentAsString());
        assertEquals(400, http.perform(post(OperatorEndpoint.PATH + "/" + xid + "/resolve").header("Authorization", bearer)
                .contentType("application/json").content("{\"resolution\":\"CONFIRM_ALL\"}")).andReturn().getResponse().getStatus(),
                "a reason is required");

        daemon.stock().failingConfirms.set(0);
        var resolved = http.perform(post(OperatorEndpoint.PATH + "/" + xid + "/resolve").header("Authorization", bearer)
                .contentType("application/json").content("{\"resolution\":\"CONFIRM_ALL\",\"reason\":\"participant repaired\"}"))
                .andReturn().getResponse();
        assertEquals(200, resolved.getStatus(), resolved.getContentAsString());
        assertTrue(resolved.getContentAsString().contains("CONFIRMED"), resolved.getContentAsString());
    }

    @Test
    void cleanupDeletesOnlyFinishedTransactionsOlderThanTheirRetention() throws Exception {
        Node initiator = node();
        String decided = crashed(initiator, CrashPoints.Point.AFTER_DECISION, Duration.ofSeconds(30), 1);
        String stuck = crashed(initiator, CrashPoints.Point.BEFORE_DECISION, Duration.ofSeconds(30), 1);
        drain(recovery(initiator, 10, RecoveryListener.NONE), initiator.coordinator(), List.of(decided));
        assertEquals(GlobalState.CONFIRMED, initiator.coordinator().log().find(decided).orElseThrow().state());
        String backdate = kind() == DatabaseKind.MYSQL
                ? "UPDATE tcc_global SET updated_at = updated_at - INTERVAL 1 DAY WHERE xid IN (?, ?)"
                : "UPDATE tcc_global SET updated_at = updated_at - INTERVAL '1 day' WHERE xid IN (?, ?)";
        logDb.jdbc().update(backdate, decided, stuck);

        IllegalArgumentException tooShort = assertThrows(IllegalArgumentException.class,
                () -> new Cleanup(initiator.coordinator().log(), null, Duration.ofMinutes(1), 100));
        assertTrue(tooShort.getMessage().contains("shorter"), tooShort.getMessage());

        Cleanup.Result result = new Cleanup(initiator.coordinator().log(), null, Duration.ofHours(1), 1).runOnce();

        assertTrue(result.transactions() >= 1);
        assertTrue(initiator.coordinator().log().find(decided).isEmpty(), "the finished one is gone");
        assertTrue(initiator.coordinator().log().branches(decided).isEmpty(), "with its branches");
        assertEquals(GlobalState.TRYING, initiator.coordinator().log().find(stuck).orElseThrow().state(),
                "an unfinished transaction is never deleted, however old");
        assertEquals(1, initiator.coordinator().log().branches(stuck).size());
    }

    @Test
    void metricsCountPendingFlaggedAndWhatRecoveryDid() throws Exception {
        Node initiator = node();
        String flaggedXid = crashed(initiator, CrashPoints.Point.AFTER_DECISION, Duration.ofSeconds(30), 1);
        Node daemon = node();
        daemon.stock().failingConfirms.set(Integer.MAX_VALUE);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        TestClock clock = TestClock.stopped();
        TccMetrics metrics = new TccMetrics(daemon.coordinator().log(), null, clock);
        metrics.bindTo(registry);
        double flaggedBefore = registry.get("tcc.transactions.flagged").gauge().value();
        Recovery recovery = recovery(daemon, 2, metrics);
        driveUntilFlagged(recovery, daemon.coordinator(), flaggedXid);

        assertEquals(flaggedBefore, registry.get("tcc.transactions.flagged").gauge().value(),
                "the gauges read a snapshot kept for five seconds");
        clock.advance(Duration.ofSeconds(6));
        assertEquals(flaggedBefore + 1, registry.get("tcc.transactions.flagged").gauge().value(),
                "an older snapshot is read again");
        assertTrue(registry.get("tcc.transactions.pending").tag("state", "CONFIRMING").gauge().value() >= 1);
        assertTrue(registry.get("tcc.transactions.oldest.pending.age").gauge().value() >= 6,
                "the age is measured by the metrics' clock");
        assertEquals(1.0, registry.get("tcc.recovery.flagged").counter().count());
        assertTrue(registry.get("tcc.recovery.attempts.failed").counter().count() >= 1);
    }

    @Test
    void anOperatorCancelsAStuckUndecidedTransaction() {
        Node initiator = node();
        String xid = crashed(initiator, CrashPoints.Point.BEFORE_DECISION, Duration.ofSeconds(60), 1);
        Coordinator operator = node().coordinator();
        Operations operations = new Operations(operator.log(), operator.phaseTwo());

        assertThrows(OperatorActionRefusedException.class,
                () -> operations.resolve(xid, Operations.Resolution.CONFIRM_ALL, "looks fine"), "its tries' outcome is not known");
        assertEquals(GlobalState.CANCELLED,
                operations.resolve(xid, Operations.Resolution.CANCEL_ALL, "initiator host lost, customer informed"));
        assertArrayEquals(new int[] {5000, 0, 0}, stock());
    }

    @Test
    void theDueScanReadsAnIndexRangeAmongAHundredThousandFinishedRows() throws Exception {
        try (TestDatabase big = TestDatabase.create(kind(), "recovery_scan").applySchema("global.sql")) {
            JdbcTemplate jdbc = big.jdbc();
            List<Object[]> rows = new ArrayList<>();
            for (int i = 0; i < 100_000; i++) {
                rows.add(new Object[] {"done-" + i, i % 2 == 0 ? "CONFIRMED" : "CANCELLED"});
                if (rows.size() == 5_000) {
                    insertFinished(jdbc, rows);
                    rows.clear();
                }
            }
            jdbc.update("INSERT INTO tcc_global (xid, state, deadline_ms, attempts, next_attempt_ms, needs_operator,"
                    + " created_at, updated_at) VALUES ('due-1', 'CONFIRMING', 0, 1, 0, FALSE, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)");
            jdbc.execute(kind() == DatabaseKind.MYSQL ? "ANALYZE TABLE tcc_global" : "ANALYZE tcc_global");

            String findDue = io.tcc.jdbc.Dialect.valueOf(kind().name()).statements("global.sql",
                    Map.of("global", "tcc_global", "branch", "tcc_branch")).get("find-due").replace("?", "100");
            List<String> plan = jdbc.query("EXPLAIN " + findDue, (rs, n) -> {
                StringBuilder row = new StringBuilder();
                for (int c = 1; c <= rs.getMetaData().getColumnCount(); c++) {
                    row.append(rs.getMetaData().getColumnLabel(c)).append('=').append(rs.getString(c)).append(' ');
                }
                return row.toString();
            });
            System.out.printf("recovery | %s | EXPLAIN find-due over 100,000 finished rows: %s%n", kind(), plan);
            String text = String.join(" ", plan);
            assertTrue(text.contains("idx_tcc_global_due"), "the scan uses the due index: " + text);
            assertTrue(!text.contains("type=ALL") && !text.contains("Seq Scan"), "no table scan: " + text);
            assertTrue(kind() == DatabaseKind.MYSQL ? text.contains("type=range") : text.contains("Index Cond"),
                    "the clock comparison is the index range itself, not a filter over every open row: " + text);
            assertEquals(1, jdbc.queryForList(findDue).size(), "exactly the one due transaction");
        }
    }

    private static void insertFinished(JdbcTemplate jdbc, List<Object[]> rows) {
        jdbc.batchUpdate("INSERT INTO tcc_global (xid, state, deadline_ms, attempts, next_attempt_ms, needs_operator,"
                + " created_at, updated_at) VALUES (?, ?, 0, 0, NULL, FALSE, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)", rows);
    }

    @Test
    void theClusteredQuartzSchedulerRunsRecoveryFromItsJdbcJobStore() throws Exception {
        String xid = crashed(node(), CrashPoints.Point.AFTER_DECISION, Duration.ofSeconds(30), 1);
        Node daemon = node();
        Cleanup cleanup = new Cleanup(daemon.coordinator().log(), null, Duration.ofHours(1), 100);
        try (RecoveryScheduler scheduler = RecoveryScheduler.start(logPool, recovery(daemon, 10, RecoveryListener.NONE),
                Duration.ofMillis(200), cleanup, Duration.ofMillis(500), "node-1")) {
            Await.until(xid + " recovered by the scheduled job", Duration.ofSeconds(10),
                    () -> daemon.coordinator().log().find(xid).orElseThrow().state().isFinished());
            assertTrue(scheduler.scheduler().getMetaData().isJobStoreClustered());
            assertEquals(1, logDb.jdbc().queryForObject(
                    "SELECT COUNT(*) FROM QRTZ_SCHEDULER_STATE WHERE SCHED_NAME = ? AND INSTANCE_NAME = ?", Integer.class,
                    RecoveryScheduler.SCHEDULER_NAME, "node-1"), "the node checked in to the cluster");
            assertEquals(2, logDb.jdbc().queryForObject("SELECT COUNT(*) FROM QRTZ_TRIGGERS WHERE SCHED_NAME = ?"
                    + " AND TRIGGER_NAME LIKE '%-every'", Integer.class, RecoveryScheduler.SCHEDULER_NAME),
                    "recovery and cleanup, scheduled once for the cluster");
        }
        assertEquals(GlobalState.CONFIRMED, daemon.coordinator().log().find(xid).orElseThrow().state());
        assertArrayEquals(new int[] {4999, 0, 1}, stock());
    }

    /** Quartz leaves a trigger whose job it failed to read in ERROR state for good (on Galera: a lost certification). */
    @Test
    void aTriggerQuartzLeftInErrorStateIsResetAndFiresAgain() throws Exception {
        Node daemon = node();
        Cleanup cleanup = new Cleanup(daemon.coordinator().log(), null, Duration.ofHours(1), 100);
        String cleanupTrigger = "SELECT %s FROM QRTZ_TRIGGERS WHERE SCHED_NAME = '" + RecoveryScheduler.SCHEDULER_NAME
                + "' AND TRIGGER_NAME = 'cleanup-every'";
        // recovery every 500 ms keeps Quartz's scheduler thread waking, as the default 5 s does: a trigger set back to
        // WAITING is not signalled to a thread idling until its next firing
        try (RecoveryScheduler scheduler = RecoveryScheduler.start(logPool, recovery(daemon, 10, RecoveryListener.NONE),
                Duration.ofMillis(500), cleanup, Duration.ofMillis(200), "node-1")) {
            long erroredAfter;
            // under Quartz's own TRIGGER_ACCESS lock, as Quartz writes the state: no firing in progress overwrites it
            try (Connection c = logDb.dataSource().getConnection()) {
                c.setAutoCommit(false);
                JdbcTemplate tx = new JdbcTemplate(new SingleConnectionDataSource(c, true));
                tx.queryForList("SELECT LOCK_NAME FROM QRTZ_LOCKS WHERE SCHED_NAME = ? AND LOCK_NAME = 'TRIGGER_ACCESS'"
                        + " FOR UPDATE", String.class, RecoveryScheduler.SCHEDULER_NAME);
                tx.update("UPDATE QRTZ_TRIGGERS SET TRIGGER_STATE = 'ERROR' WHERE SCHED_NAME = ? AND TRIGGER_NAME ="
                        + " 'cleanup-every'", RecoveryScheduler.SCHEDULER_NAME);
                erroredAfter = tx.queryForObject(cleanupTrigger.formatted("PREV_FIRE_TIME"), Long.class);
                c.commit();
            }

            Await.until("the cleanup trigger out of ERROR state and firing again",
                    RecoveryScheduler.TRIGGER_CHECK_INTERVAL.multipliedBy(3), () ->
                            !"ERROR".equals(logDb.jdbc().queryForObject(cleanupTrigger.formatted("TRIGGER_STATE"), String.class))
                                    && logDb.jdbc().queryForObject(cleanupTrigger.formatted("PREV_FIRE_TIME"), Long.class)
                                    > erroredAfter);
        }
    }
}
