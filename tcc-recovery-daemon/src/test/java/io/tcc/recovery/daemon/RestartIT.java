package io.tcc.recovery.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.datasource.DelegatingDataSource;

import io.tcc.global.CrashPoints.Point;
import io.tcc.global.CrashPoints.SimulatedCrash;
import io.tcc.http.InventoryApp;
import io.tcc.http.OrderApp;
import io.tcc.http.TwoServices;
import io.tcc.test.Await;
import io.tcc.test.DatabaseKind;
import io.tcc.test.TestDatabase;

/**
 * Restart and takeover timing, with real processes killed by SIGKILL: a restarted initiator or daemon picks up what is
 * due within 3 s of starting, and a daemon finishes what a killed daemon had claimed once the claims' lease ends, not after
 * Quartz's failure detection and misfire handling.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RestartIT {

    private static final Duration UP = Duration.ofSeconds(90); // a JVM's start on a busy 2-core machine
    private static final String STAMP = "yyyy-MM-dd'T'HH:mm:ss.SSSXXX"; // the daemons' log time stamps

    private TestDatabase inventoryDb;
    private TestDatabase orderDb;
    private ConfigurableApplicationContext inventory;
    private ConfigurableApplicationContext crashingOrders;
    private String inventoryUrl;
    private final List<Process> processes = new ArrayList<>();
    private String sku;

    @BeforeAll
    void startServices() {
        inventoryDb = TestDatabase.create(DatabaseKind.MYSQL, "restart_inventory").applySchema("fence.sql")
                .run("tcc-test/stock.sql");
        orderDb = TestDatabase.create(DatabaseKind.MYSQL, "restart_orders").applySchema("fence.sql")
                .applySchema("global.sql").applySchema("quartz.sql").run("tcc-test/stock.sql");
        inventory = TwoServices.start(InventoryApp.class, new DelegatingDataSource(inventoryDb.dataSource()), "inventory",
                "tcc.http.signing.secret=" + InventoryApp.SECRET);
        inventoryUrl = "http://127.0.0.1:" + inventory.getEnvironment().getProperty("local.server.port");
        // an instance of the order service (recovery off) whose orders die after their decision, before phase two:
        // phase two is due 3 s later, from any instance's recovery
        crashingOrders = TwoServices.start(OrderApp.class, new DelegatingDataSource(orderDb.dataSource()), "orders",
                TwoServices.INVENTORY_BASE_URL + "=" + inventoryUrl, "tcc.http.signing.secret=" + InventoryApp.SECRET,
                "tcc.phase-two-retry-delay=3s");
    }

    @BeforeEach
    void newSku() {
        sku = "sku-" + UUID.randomUUID();
        inventoryDb.jdbc().update("INSERT INTO stock (sku, available, frozen, sold) VALUES (?, 100, 0, 0)", sku);
    }

    @AfterEach
    void killProcesses() throws InterruptedException {
        for (Process process : processes) {
            process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
        processes.clear();
    }

    @AfterAll
    void stopAll() {
        crashingOrders.close();
        inventory.close();
        orderDb.close();
        inventoryDb.close();
    }

    @Test
    void aRestartedInitiatorFinishesWhatIsDueWithinThreeSecondsOfStarting() throws Exception {
        restartedFinishesWhatIsDue("initiator", n -> startInitiator(Path.of("target", "restart-it", "initiator-" + n + ".log")));
    }

    @Test
    void aRestartedDaemonFinishesWhatIsDueWithinThreeSecondsOfStarting() throws Exception {
        restartedFinishesWhatIsDue("daemon", n -> startDaemon("restarted", "daemon-" + n + ".log", inventoryUrl));
    }

    /**
     * A node (recovery at its defaults: a pass every 5 s) runs, three orders die after their decision, and the node is
     * killed with SIGKILL before their phase twos are due, so it claimed none; once they are due it starts again.
     */
    private void restartedFinishesWhatIsDue(String what, NodeStart start) throws Exception {
        Node first = start.run(1);
        long firstStarted = first.startedAt();
        List<String> pending = crashAfterDecision(3);
        Map<String, Object> before = dueOf(pending);
        first.process().destroyForcibly().waitFor();
        assertEquals(before, dueOf(pending), "the killed " + what + " claimed none of them: the test is about restarting");
        Await.until("the phase twos to be due", Duration.ofSeconds(10), () -> orderDb.jdbc().queryForObject(
                "SELECT COUNT(*) FROM tcc_global WHERE next_attempt_ms > ? AND xid IN (?, ?, ?)", Long.class,
                System.currentTimeMillis(), pending.get(0), pending.get(1), pending.get(2)) == 0);

        Node second = start.run(2);
        Await.until("a first transaction confirmed by the restarted " + what + "; see " + second.log(), UP,
                () -> pending.stream().anyMatch(xid -> "CONFIRMED".equals(state(xid))));
        long firstFinished = System.currentTimeMillis();
        Await.until("all three confirmed; see " + second.log(), UP, () -> pending.stream().allMatch(
                xid -> "CONFIRMED".equals(state(xid))));
        long allFinished = System.currentTimeMillis();
        long started = second.startedAt();
        System.out.printf("restart: the first %s ran %d ms before SIGKILL; the restarted one confirmed the first due"
                + " transaction %d ms and all three %d ms after it started%n", what, System.currentTimeMillis() - firstStarted,
                firstFinished - started, allFinished - started);
        assertTrue(firstFinished - started <= 3000, "the first due transaction was confirmed " + (firstFinished - started)
                + " ms after the restarted " + what + " started; see " + second.log());
        assertEquals(3, stockSold(), "each confirm sold once");
    }

    /** A node's process, its log, and when it started: the epoch millisecond it logged, waited for. */
    private record Node(Process process, Path log, Callable<Long> started) {
        long startedAt() throws Exception {
            return started.call();
        }
    }

    private interface NodeStart {
        Node run(int time) throws IOException;
    }

    @Test
    void aDaemonFinishesWhatAKilledDaemonClaimedOnceTheLeaseEnds() throws Exception {
        try (ServerSocket silent = new ServerSocket(0)) { // accepts connections and never answers
            Node holder = startDaemon("holder", "daemon.log", "http://127.0.0.1:" + silent.getLocalPort(),
                    "tcc.recovery.interval=1s", "tcc.recovery.lease=30s");
            holder.startedAt();
            List<String> pending = crashAfterDecision(3);
            // the holder claims them and its calls hang on a participant address that never answers
            Await.until("the holder's claims; see " + holder.log(), UP, () -> orderDb.jdbc().queryForObject(
                    "SELECT COUNT(*) FROM tcc_global WHERE next_attempt_ms > ? AND xid IN (?, ?, ?)", Long.class,
                    System.currentTimeMillis() + 5_000, pending.get(0), pending.get(1), pending.get(2)) == pending.size());
            long leaseEnd = orderDb.jdbc().queryForObject("SELECT MAX(next_attempt_ms) FROM tcc_global WHERE xid IN (?, ?, ?)",
                    Long.class, pending.toArray());

            Node taker = startDaemon("taker", "daemon.log", inventoryUrl, "tcc.recovery.interval=1s", "tcc.recovery.lease=30s");
            taker.startedAt();
            Path takerLog = taker.log();
            assertTrue(System.currentTimeMillis() < leaseEnd - 1000, "the taker started before the lease ended");
            assertTrue(pending.stream().allMatch(xid -> "CONFIRMING".equals(state(xid))), "the holder finished none");
            holder.process().destroyForcibly().waitFor(); // SIGKILL while it holds every claim
            long killed = System.currentTimeMillis();
            Await.until("the lease to end, the claims respected until then", Duration.ofSeconds(30), () -> {
                assertTrue(pending.stream().allMatch(xid -> "CONFIRMING".equals(state(xid))), "taken before the lease ended");
                return System.currentTimeMillis() >= leaseEnd - 200;
            });

            Await.until("the taker to confirm all three; see " + takerLog, Duration.ofSeconds(60), () -> pending.stream()
                    .allMatch(xid -> "CONFIRMED".equals(state(xid))));
            long finished = System.currentTimeMillis();
            System.out.printf("takeover: daemon killed with 3 claims %d ms before their lease (30 s) ended; the other"
                    + " daemon confirmed all three %d ms after the lease ended%n", leaseEnd - killed, finished - leaseEnd);
            assertTrue(finished - leaseEnd <= 3000, "confirmed " + (finished - leaseEnd) + " ms after the lease ended");
            String taken = Files.readString(takerLog);
            pending.forEach(xid -> assertTrue(taken.contains(xid), "the taker's log names " + xid));
            assertEquals(3, stockSold(), "each confirm sold once");
        }
    }

    /** Orders that die right after their decision CONFIRM, before any phase two; returns their xids. */
    private List<String> crashAfterDecision(int count) {
        OrderApp.CrashSwitch crashes = crashingOrders.getBean(OrderApp.CrashSwitch.class);
        OrderApp.Orders orders = crashingOrders.getBean(OrderApp.Orders.class);
        List<String> xids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            crashes.arm(Point.AFTER_DECISION, 1);
            assertThrows(SimulatedCrash.class, () -> orders.place(sku, 1));
            xids.add(orders.lastXid());
        }
        return xids;
    }

    private Map<String, Object> dueOf(List<String> xids) {
        return orderDb.jdbc().queryForMap("SELECT SUM(attempts) AS attempts, SUM(next_attempt_ms) AS due FROM tcc_global"
                + " WHERE xid IN (?, ?, ?)", xids.toArray());
    }

    /** The order service with its in-app recovery at its defaults, as a process of its own. */
    private Node startInitiator(Path log) throws IOException {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Process process = start(log, List.of("-cp", classpath, InitiatorProcess.class.getName(),
                "--spring.datasource.url=" + orderDb.jdbcUrl(), "--" + TwoServices.INVENTORY_BASE_URL + "=" + inventoryUrl,
                "--tcc.http.signing.secret=" + InventoryApp.SECRET, "--server.port=0", "--server.address=127.0.0.1"));
        return new Node(process, log, () -> {
            String line = awaitLine(process, log, InitiatorProcess.STARTED);
            return Long.parseLong(line.substring(line.indexOf(InitiatorProcess.STARTED) + InitiatorProcess.STARTED.length()).trim());
        });
    }

    /**
     * The daemon jar, as its operator runs it, in its own directory with its config file; {@code inventoryAt} is where it
     * reaches the inventory, {@code settings} come on top of the defaults. Its start is the time stamp of Boot's
     * "Started" line, logged once the context is refreshed.
     */
    private Node startDaemon(String instanceId, String logName, String inventoryAt, String... settings) throws IOException {
        Path dir = Files.createDirectories(Path.of("target", "restart-it", instanceId));
        List<String> config = new ArrayList<>(List.of(
                "spring.datasource.url=" + orderDb.jdbcUrl(),
                "tcc.http.signing.secret=" + InventoryApp.SECRET,
                "tcc.daemon.participants.local=http://127.0.0.1:1",
                "tcc.daemon.participants.inventory=" + inventoryAt,
                "tcc.http.remote.participants.inventory.call-timeout=60s",
                "tcc.recovery.instance-id=" + instanceId,
                "logging.pattern.dateformat=" + STAMP,
                "server.port=0"));
        config.addAll(List.of(settings));
        Files.writeString(dir.resolve("tcc-daemon.properties"), String.join("\n", config) + "\n");
        Path log = dir.resolve(logName);
        Process process = start(log, List.of("-jar", new File(System.getProperty("daemon.jar")).getAbsolutePath()), dir);
        return new Node(process, log, () -> {
            String line = awaitLine(process, log, "Started RecoveryDaemon");
            return OffsetDateTime.parse(line.substring(0, line.indexOf(' ')), DateTimeFormatter.ofPattern(STAMP))
                    .toInstant().toEpochMilli();
        });
    }

    private Process start(Path log, List<String> arguments) throws IOException {
        return start(log, arguments, null);
    }

    private Process start(Path log, List<String> arguments, Path dir) throws IOException {
        Files.createDirectories(log.getParent());
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
        command.addAll(arguments);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        if (dir != null) {
            builder.directory(dir.toFile());
        }
        Process process = builder.start();
        processes.add(process);
        return process;
    }

    private static String awaitLine(Process process, Path log, String marker) {
        String[] found = new String[1];
        Await.until(marker + " in " + log, UP, () -> {
            assertTrue(process.isAlive(), "the process exited; see " + log);
            found[0] = Files.readAllLines(log).stream().filter(l -> l.contains(marker)).findFirst().orElse(null);
            return found[0] != null;
        });
        return found[0];
    }

    private String state(String xid) {
        return orderDb.jdbc().queryForObject("SELECT state FROM tcc_global WHERE xid = ?", String.class, xid);
    }

    private int stockSold() {
        return inventoryDb.jdbc().queryForObject("SELECT sold FROM stock WHERE sku = ?", Integer.class, sku);
    }
}
