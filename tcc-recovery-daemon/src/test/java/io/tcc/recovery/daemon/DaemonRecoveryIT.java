package io.tcc.recovery.daemon;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.datasource.DelegatingDataSource;

import io.tcc.global.CrashPoints.Point;
import io.tcc.global.CrashPoints.SimulatedCrash;
import io.tcc.global.GlobalState;
import io.tcc.http.InventoryApp;
import io.tcc.http.OrderApp;
import io.tcc.http.TwoServices;
import io.tcc.test.Await;
import io.tcc.test.DatabaseKind;
import io.tcc.test.TestDatabase;

/**
 * The standalone daemon, as its operator runs it: {@code java -jar} of the built jar with a config file, a process of
 * its own pointed at the initiator's database. An order service (one local branch, one remote inventory branch, real
 * signed HTTP) dies at every crash point; it comes back without its own recovery, and the daemon finishes every
 * transaction, driving the local branches through the order service's participant endpoints. Two daemon processes
 * share a thousand dead initiators' transactions without ever driving one at the same time.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DaemonRecoveryIT {

    private TestDatabase inventoryDb;
    private TestDatabase orderDb;
    private ConfigurableApplicationContext inventory;
    private ConfigurableApplicationContext order;
    private String inventoryUrl;
    private final Map<Path, Process> daemons = new LinkedHashMap<>(); // by the log file each writes
    private final String sku = "sku-" + UUID.randomUUID();

    @BeforeAll
    void startServices() {
        inventoryDb = TestDatabase.create(DatabaseKind.MYSQL, "daemon_inventory").applySchema("fence.sql")
                .run("tcc-test/stock.sql");
        orderDb = TestDatabase.create(DatabaseKind.MYSQL, "daemon_orders").applySchema("fence.sql")
                .applySchema("global.sql").applySchema("quartz.sql").run("tcc-test/stock.sql");
        for (TestDatabase db : new TestDatabase[] {inventoryDb, orderDb}) {
            db.jdbc().update("INSERT INTO stock (sku, available, frozen, sold) VALUES (?, 10, 0, 0)", sku);
        }
        inventory = TwoServices.start(InventoryApp.class, new DelegatingDataSource(inventoryDb.dataSource()), "inventory",
                "tcc.http.signing.secret=" + InventoryApp.SECRET);
        inventoryUrl = "http://127.0.0.1:" + inventory.getEnvironment().getProperty("local.server.port");
        order = startOrder();
    }

    /**
     * The order service; its in-app recovery stays off, so only the daemon finishes what it left. Its recovery margin
     * is short, so what it left TRYING is due soon after its deadline. The pool is wrapped: a closing context must not
     * close the test's pool.
     */
    private ConfigurableApplicationContext startOrder() {
        return TwoServices.start(OrderApp.class, new DelegatingDataSource(orderDb.dataSource()), "orders",
                TwoServices.INVENTORY_BASE_URL + "=" + inventoryUrl,
                "tcc.http.signing.secret=" + InventoryApp.SECRET, "tcc.recovery-margin=200ms");
    }

    @AfterEach
    void stopDaemons() throws InterruptedException {
        for (Process daemon : daemons.values()) {
            daemon.destroy();
            if (!daemon.waitFor(20, TimeUnit.SECONDS)) {
                daemon.destroyForcibly().waitFor();
            }
        }
        daemons.clear();
    }

    @AfterAll
    void stopAll() {
        order.close();
        inventory.close();
        orderDb.close();
        inventoryDb.close();
    }

    @Test
    void aDaemonProcessFinishesWhatAnInitiatorLeftAtEveryCrashPoint() throws Exception {
        Map<String, GlobalState> crashed = new LinkedHashMap<>(); // xid -> the state it must end in
        // after deciding, before any phase two (one remote branch): confirmed
        crashed.put(crash(Point.AFTER_DECISION, 1, () -> orders().place(sku, 1)), GlobalState.CONFIRMED);
        // the local branch tried, the remote one registered and its try never sent: cancelled past the deadline
        crashed.put(crash(Point.AFTER_BRANCH_REGISTERED, 2, () -> orders().placeBrieflyWithLocalBranch(sku, 1)),
                GlobalState.CANCELLED);
        // both tried, nothing decided: cancelled past the deadline
        crashed.put(crash(Point.BEFORE_DECISION, 1, () -> orders().placeBrieflyWithLocalBranch(sku, 1)), GlobalState.CANCELLED);
        // in the middle of phase two: the local confirm committed with the decision, the remote one not sent
        crashed.put(crash(Point.AFTER_DECISION, 1, () -> orders().placeWithLocalBranch(sku, 1)), GlobalState.CONFIRMED);
        assertArrayEquals(new int[] {7, 3, 0}, stock(inventoryDb), "inventory: three tries frozen, nothing sold yet");
        assertArrayEquals(new int[] {7, 2, 1}, stock(orderDb), "orders: three local tries, one confirmed with its decision");

        order.close(); // the dead initiator comes back as a new process, its own recovery off
        order = startOrder();
        Path daemonLog = startDaemon("daemon-it");

        awaitFinished(crashed.keySet(), Duration.ofSeconds(90));
        crashed.forEach((xid, expected) -> assertEquals(expected, state(xid), xid + "; see " + daemonLog));
        assertArrayEquals(new int[] {8, 0, 2}, stock(inventoryDb), "inventory: two sold once, the rest released");
        assertArrayEquals(new int[] {9, 0, 1}, stock(orderDb), "orders: one sold, the two undecided released");
        assertEquals(1, inventoryDb.jdbc().queryForObject("SELECT COUNT(*) FROM tcc_fence WHERE empty_cancel = TRUE",
                Integer.class), "the try that was never sent had an empty cancel");
        String logged = Files.readString(daemonLog);
        crashed.keySet().forEach(xid -> assertTrue(logged.contains(xid), "the daemon's log names " + xid));
    }

    @Test
    void twoDaemonProcessesFinishAThousandDeadInitiatorsConfirmingEachOnceAndNeverOneTwiceAtOnce() throws Exception {
        String many = "many-" + UUID.randomUUID();
        inventoryDb.jdbc().update("INSERT INTO stock (sku, available, frozen, sold) VALUES (?, 2000, 0, 0)", many);
        Set<String> before = Set.copyOf(orderDb.jdbc().queryForList("SELECT xid FROM tcc_global", String.class));
        startDaemon("daemon-a");
        startDaemon("daemon-b");

        // a thousand initiators die right after deciding CONFIRM, four at a time, while the daemons start and work
        OrderApp.CrashSwitch crashes = order.getBean(OrderApp.CrashSwitch.class);
        crashes.armEvery(Point.AFTER_DECISION);
        ExecutorService initiators = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> placed = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                placed.add(initiators.submit(() -> assertThrows(SimulatedCrash.class, () -> orders().place(many, 1))));
            }
            for (Future<?> done : placed) {
                done.get();
            }
        } finally {
            crashes.disarm();
            initiators.shutdown();
        }
        Set<String> pending = new HashSet<>(orderDb.jdbc().queryForList("SELECT xid FROM tcc_global", String.class));
        pending.removeAll(before);
        assertEquals(1000, pending.size());

        awaitFinished(pending, Duration.ofSeconds(180));
        InventoryApp.BranchCalls calls = inventory.getBean(InventoryApp.BranchCalls.class);
        pending.forEach(xid -> {
            assertEquals(GlobalState.CONFIRMED, state(xid), xid);
            assertTrue(calls.received(xid, "confirm") >= 1, xid + " was confirmed without a call reaching the participant");
        });
        assertEquals(0, calls.overlaps(), "a branch's phase two ran twice at once");
        assertArrayEquals(new int[] {1000, 0, 1000}, stock(inventoryDb, many), "each confirm's effect happened once");
        int confirms = pending.stream().mapToInt(xid -> calls.received(xid, "confirm")).sum();
        List<Long> finishedBy = new ArrayList<>();
        for (Path log : daemons.keySet()) {
            finishedBy.add(Files.readAllLines(log).stream().filter(line -> line.endsWith(" CONFIRMED")).count());
        }
        System.out.printf("two daemons finished 1000 transactions: %d confirm calls reached the participant, none of one"
                + " at once; finished per daemon: %s%n", confirms, finishedBy);
        assertTrue(finishedBy.stream().allMatch(n -> n > 0), "both daemons took part: " + finishedBy);
    }

    @Test
    void aLocalBranchWhereNoParticipantEndpointIsServedIsFlaggedAtOnceNamingTheSetting() throws Exception {
        // both tries ran, nothing decided: the daemon must cancel the local branch, through endpoints it cannot find
        String xid = crash(Point.BEFORE_DECISION, 1, () -> orders().placeBrieflyWithLocalBranch(sku, 1));
        int[] orderStock = stock(orderDb);

        // a real server that serves no participant endpoints at that address, as an initiator with them turned off
        Path daemonLog = startDaemon("daemon-404", "http://127.0.0.1:" + order.getEnvironment().getProperty("local.server.port")
                + "/no-participant-endpoints");

        Await.until(xid + " flagged by the daemon; see " + daemonLog, Duration.ofSeconds(60), () -> {
            assertDaemonsAlive();
            return flagged(xid);
        });
        Map<String, Object> row = orderDb.jdbc().queryForMap(
                "SELECT state, attempts, needs_operator, operator_reason FROM tcc_global WHERE xid = ?", xid);
        assertTrue(flagged(xid), "flagged for an operator; see " + daemonLog + ": " + row);
        assertEquals(GlobalState.CANCELLING, state(xid), "decided, never guessed further");
        assertEquals(1, ((Number) row.get("attempts")).intValue(), "at the first attempt, not after max-attempts of backoff");
        String reason = (String) row.get("operator_reason");
        assertTrue(reason.contains("HTTP 404") && reason.contains("tcc.daemon.participants.local")
                && reason.contains("tcc.http.participant.enabled"), reason);
        assertArrayEquals(orderStock, stock(orderDb), "the local try is still held: nothing ran at the initiator");
        assertTrue(Files.readString(daemonLog).contains(xid), "the daemon's log names " + xid);
    }

    private boolean flagged(String xid) {
        return Boolean.TRUE.equals(orderDb.jdbc().queryForObject("SELECT needs_operator FROM tcc_global WHERE xid = ?",
                Boolean.class, xid));
    }

    /** Waits until every one of {@code xids} is CONFIRMED or CANCELLED; fails at once if a daemon dies. */
    private void awaitFinished(Set<String> xids, Duration atMost) {
        Await.until(xids.size() + " transactions finished by the daemons", atMost, () -> {
            assertDaemonsAlive();
            return xids.stream().allMatch(xid -> state(xid).isFinished());
        });
    }

    private void assertDaemonsAlive() {
        daemons.forEach((log, daemon) -> assertTrue(daemon.isAlive(), "a daemon process died; see " + log));
    }

    private OrderApp.Orders orders() {
        return order.getBean(OrderApp.Orders.class);
    }

    /** Runs one order on an initiator armed to die at the {@code occurrence}-th time it reaches {@code point}. */
    private String crash(Point point, int occurrence, Supplier<String> placeOrder) {
        order.getBean(OrderApp.CrashSwitch.class).arm(point, occurrence);
        assertThrows(SimulatedCrash.class, placeOrder::get);
        return orders().lastXid();
    }

    /** Starts the daemon jar as its operator would, with a config file in its working directory; returns its log. */
    private Path startDaemon(String instanceId) throws Exception {
        return startDaemon(instanceId, "http://127.0.0.1:" + order.getEnvironment().getProperty("local.server.port"));
    }

    /** @param localUrl where the daemon drives the initiator's local branches ({@code tcc.daemon.participants.local}) */
    private Path startDaemon(String instanceId, String localUrl) throws Exception {
        Path dir = Files.createDirectories(Path.of("target", "daemon-it", instanceId));
        Files.writeString(dir.resolve("tcc-daemon.properties"), String.join("\n",
                "spring.datasource.url=" + orderDb.jdbcUrl(),
                "tcc.http.signing.secret=" + InventoryApp.SECRET,
                "tcc.daemon.participants.local=" + localUrl,
                // the order service's rows hold serviceclient:inventory, resolved here through the group's base URL
                TwoServices.INVENTORY_BASE_URL + "=" + inventoryUrl,
                "tcc.recovery-margin=200ms",
                "tcc.recovery.instance-id=" + instanceId,
                "tcc.recovery.interval=500ms",
                "tcc.recovery.initial-backoff=200ms",
                "tcc.recovery.max-backoff=1s",
                "server.port=0", ""));
        Path log = dir.resolve("daemon.log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        daemons.put(log, new ProcessBuilder(java, "-jar", new File(System.getProperty("daemon.jar")).getAbsolutePath())
                .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start());
        return log;
    }

    private GlobalState state(String xid) {
        return GlobalState.valueOf(orderDb.jdbc().queryForObject("SELECT state FROM tcc_global WHERE xid = ?", String.class,
                xid));
    }

    private int[] stock(TestDatabase db) {
        return stock(db, sku);
    }

    private static int[] stock(TestDatabase db, String sku) {
        return db.jdbc().queryForObject("SELECT available, frozen, sold FROM stock WHERE sku = ?",
                (rs, n) -> new int[] {rs.getInt(1), rs.getInt(2), rs.getInt(3)}, sku);
    }
}
