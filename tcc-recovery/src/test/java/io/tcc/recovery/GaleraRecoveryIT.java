package io.tcc.recovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.jdbc.core.JdbcTemplate;

import com.zaxxer.hikari.HikariDataSource;

import io.tcc.global.CrashPoints;
import io.tcc.global.GlobalState;
import io.tcc.test.Await;
import io.tcc.test.GaleraCluster;
import io.tcc.test.TestDatabase;

/**
 * Recovery's clustered Quartz scheduler on a 3-node Galera cluster, each scheduler a JVM of its own
 * ({@link SchedulerProcess}) writing the log, Quartz's tables and the fence through a different node. Dead initiators
 * leave transactions at every crash point; a scheduler is killed with SIGKILL in the middle of a recovery job and
 * stays dead until Quartz's triggers misfire; three schedulers then finish everything, each branch's business effect
 * once, Quartz fires no trigger twice for one fire time and never runs two cleanups at once, a survivor recovers the
 * dead scheduler's Quartz rows, the cleanup job deletes the finished rows, and it never pauses long enough to misfire
 * (Quartz's own retry after a lost certification took 15 s, and a trigger it left in ERROR state stayed there: see
 * {@link RecoveryScheduler}). It prints the SQL errors Quartz met (Galera's lost certifications) per scheduler:
 * docs/scale-out.md reads them.
 * {@code -Dtcc.galera.recovery.per-kind} sets how many transactions each crash point leaves (60),
 * {@code -Dtcc.galera.recovery.steady-cleanups} how many cleanup runs the survivors make before they stop (30).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GaleraRecoveryIT {

    private static final int PER_KIND = Integer.getInteger("tcc.galera.recovery.per-kind", 60);
    /** How many cleanup runs (one a second, on one node at a time) the survivors make in all before they are stopped. */
    private static final int STEADY_CLEANUPS = Integer.getInteger("tcc.galera.recovery.steady-cleanups", 30);
    private static final Duration UP = Duration.ofSeconds(90); // a JVM's start on a busy 2-core machine
    /** RecoveryScheduler's org.quartz.jobStore.misfireThreshold. */
    private static final long MISFIRE_THRESHOLD_MS = 10_000;
    private static final String RECOVERY_TRIGGER = "tcc.recovery-every";
    private static final String KILLED = "node2-killed";

    /** What a dead initiator left and how recovery must end it. */
    private record Left(String sku, int branches, GlobalState end, boolean emptyCancel) {
    }

    /** A scheduler process and the file its output goes to. */
    private record Instance(String id, Process process, Path log) {
        List<String> lines() {
            try {
                return Files.readAllLines(log);
            } catch (IOException e) {
                throw new IllegalStateException("cannot read " + log, e);
            }
        }
    }

    private GaleraCluster cluster;
    private TestDatabase logDb;
    private TestDatabase stockDb;
    private final List<HikariDataSource> pools = new ArrayList<>();
    private StockNode initiator;
    private final Map<String, Instance> instances = new LinkedHashMap<>();

    @BeforeAll
    void createDatabases() {
        GaleraCluster.notRunReason().ifPresent(reason -> {
            System.out.println("GaleraRecoveryIT " + reason);
            Assumptions.abort(reason);
        });
        cluster = GaleraCluster.get();
        logDb = cluster.createDatabase("recovery_log_galera").applySchema("global.sql").applySchema("quartz.sql");
        stockDb = cluster.createDatabase("recovery_stock_galera").applySchema("fence.sql").run("tcc-test/stock.sql");
    }

    @AfterAll
    void stopAll() throws InterruptedException {
        for (Instance instance : instances.values()) {
            instance.process().destroy();
            if (!instance.process().waitFor(30, TimeUnit.SECONDS)) {
                instance.process().destroyForcibly().waitFor();
            }
        }
        if (initiator != null) {
            initiator.coordinator().close();
        }
        pools.forEach(HikariDataSource::close);
        if (logDb != null) {
            logDb.close();
            stockDb.close();
        }
    }

    @Test
    void schedulersOnThreeNodesFinishEveryTransactionOnceTakeOverAKilledOneAndCleanUp() throws Exception {
        Map<String, Left> left = leaveTransactions();

        // a scheduler on node 2 claims a batch and dies by SIGKILL in the middle of its recovery job
        Instance killed = start(KILLED, 2, "stall");
        awaitLine(killed, SchedulerProcess.STALLED);
        killed.process().destroyForcibly().waitFor();
        long killedAt = System.currentTimeMillis();
        JdbcTemplate node1 = jdbc(1, logDb);
        assertTrue(count(node1, "QRTZ_FIRED_TRIGGERS WHERE INSTANCE_NAME = ?", KILLED) > 0,
                "the killed scheduler's job was still in Quartz's fired triggers");
        // nobody fires while it is dead: its trigger misfires
        Await.until("the recovery trigger to misfire", Duration.ofSeconds(60), () -> node1.queryForObject(
                "SELECT NEXT_FIRE_TIME FROM QRTZ_TRIGGERS WHERE TRIGGER_NAME = 'recovery-every'", Long.class)
                < System.currentTimeMillis() - MISFIRE_THRESHOLD_MS);

        long survivorsStarted = System.currentTimeMillis();
        List<Instance> survivors = List.of(start("node0", 0, "run"), start("node1", 1, "run"),
                start("node2-restarted", 2, "run"));
        for (Instance survivor : survivors) {
            awaitLine(survivor, SchedulerProcess.READY);
        }
        JdbcTemplate node0 = jdbc(0, logDb);
        Await.until(left.size() + " transactions finished by the schedulers", Duration.ofMinutes(3), () -> {
            survivors.forEach(GaleraRecoveryIT::assertAlive);
            return count(node0, "tcc_global WHERE state IN ('CONFIRMED', 'CANCELLED')") == left.size();
        });
        long finishedAt = System.currentTimeMillis();
        Await.until("a survivor to recover the killed scheduler's Quartz rows", Duration.ofSeconds(60),
                () -> count(node1, "QRTZ_SCHEDULER_STATE WHERE INSTANCE_NAME = ?", KILLED) == 0
                        && count(node1, "QRTZ_FIRED_TRIGGERS WHERE INSTANCE_NAME = ?", KILLED) == 0);

        assertEachEndedOnce(left);

        // the cleanup job, on whichever node it fires, deletes the finished rows once they are past the retention
        JdbcTemplate stock0 = jdbc(0, stockDb);
        node0.update("UPDATE tcc_global SET updated_at = updated_at - INTERVAL 1 DAY");
        stock0.update("UPDATE tcc_fence SET updated_at = updated_at - INTERVAL 1 DAY, deadline_ms = deadline_ms - 86400000");
        JdbcTemplate stock1 = jdbc(1, stockDb);
        Await.until("the cleanup job to delete the finished rows", Duration.ofSeconds(60), () -> {
            survivors.forEach(GaleraRecoveryIT::assertAlive);
            return count(node1, "tcc_global") + count(node1, "tcc_branch") + count(stock1, "tcc_fence") == 0;
        });

        // the three keep firing both jobs for a while, so the checks below cover many contended firings
        Await.until(STEADY_CLEANUPS + " cleanup runs by the three", Duration.ofSeconds(STEADY_CLEANUPS * 4L), () -> {
            survivors.forEach(GaleraRecoveryIT::assertAlive);
            return firings(survivors).stream().filter(f -> f.job().equals("cleanup")).count() >= STEADY_CLEANUPS;
        });

        // stopped cleanly, each survivor waits for its running job: every run it started has ended in its output
        Map<String, Long> endedAt = new HashMap<>(Map.of(KILLED, killedAt));
        for (Instance survivor : survivors) {
            survivor.process().destroy();
            assertTrue(survivor.process().waitFor(60, TimeUnit.SECONDS), survivor.id() + " did not stop");
            endedAt.put(survivor.id(), System.currentTimeMillis());
        }
        List<Instance> all = List.copyOf(instances.values());
        List<Firing> firings = firings(all);
        assertNoTriggerFiredTwice(firings);
        assertCleanupsNeverOverlapped(all, endedAt);
        List<String> replayed = firings.stream().filter(f -> f.trigger().equals(RECOVERY_TRIGGER)
                && f.scheduledMs() > killedAt && f.scheduledMs() < survivorsStarted).map(Firing::toString).toList();
        assertEquals(List.of(), replayed, "the fire times missed while no scheduler lived were skipped, not replayed");
        long longestCleanupPause = longestPause(firings.stream().filter(f -> f.job().equals("cleanup")
                && f.startMs() > finishedAt).map(Firing::startMs).toList());
        report(all, left.size(), longestCleanupPause);
        assertTrue(longestCleanupPause < MISFIRE_THRESHOLD_MS, "the cleanup job, due every second, paused "
                + longestCleanupPause + " ms, long enough to misfire: a job-store transaction that lost a certification was"
                + " retried too late, or its trigger stayed in ERROR state");
    }

    /** PER_KIND transactions at each crash point, left by an initiator writing through node 0; each on a sku of its own. */
    private Map<String, Left> leaveTransactions() {
        HikariDataSource logPool = pool(0, logDb);
        HikariDataSource stockPool = pool(0, stockDb);
        AtomicReference<CrashPoints.Point> crashAt = new AtomicReference<>();
        initiator = StockNode.wire(logPool, stockPool, StockNode.armedBy(crashAt));
        Map<String, Left> left = new HashMap<>();
        for (int i = 0; i < PER_KIND; i++) {
            // decided confirm, phase two not started / one of two branches confirmed: confirmed
            leave(left, crashAt, CrashPoints.Point.AFTER_DECISION, Duration.ofSeconds(60), 1, GlobalState.CONFIRMED, false);
            leave(left, crashAt, CrashPoints.Point.AFTER_FIRST_PHASE_TWO, Duration.ofSeconds(60), 2, GlobalState.CONFIRMED,
                    false);
            // TRYING past the deadline: tried but undecided, or registered with its try never run (the log and the fence
            // are in two databases, so registration commits apart from the try): an empty cancel
            leave(left, crashAt, CrashPoints.Point.BEFORE_DECISION, Duration.ofMillis(300), 1, GlobalState.CANCELLED, false);
            leave(left, crashAt, CrashPoints.Point.AFTER_BRANCH_REGISTERED, Duration.ofMillis(300), 1,
                    GlobalState.CANCELLED, true);
        }
        return left;
    }

    private void leave(Map<String, Left> left, AtomicReference<CrashPoints.Point> crashAt, CrashPoints.Point point,
                       Duration timeout, int branches, GlobalState end, boolean emptyCancel) {
        String sku = "sku-" + UUID.randomUUID();
        stockDb.jdbc().update("INSERT INTO stock (sku, available, frozen, sold) VALUES (?, 10, 0, 0)", sku);
        left.put(initiator.crashed(point, crashAt, timeout, sku, branches), new Left(sku, branches, end, emptyCancel));
    }

    private void assertEachEndedOnce(Map<String, Left> left) {
        JdbcTemplate log = logDb.jdbc();
        JdbcTemplate stock = stockDb.jdbc();
        Map<String, String> states = new HashMap<>();
        log.query("SELECT xid, state FROM tcc_global", rs -> {
            states.put(rs.getString(1), rs.getString(2));
        });
        Map<String, List<String>> fence = new HashMap<>();
        stock.query("SELECT xid, state, empty_cancel FROM tcc_fence", rs -> {
            fence.computeIfAbsent(rs.getString(1), k -> new ArrayList<>())
                    .add(rs.getString(2) + (rs.getBoolean(3) ? " empty" : ""));
        });
        Map<String, int[]> stocks = new HashMap<>();
        stock.query("SELECT sku, available, frozen, sold FROM stock", rs -> {
            stocks.put(rs.getString(1), new int[] {rs.getInt(2), rs.getInt(3), rs.getInt(4)});
        });
        List<String> wrong = new ArrayList<>();
        left.forEach((xid, expected) -> {
            int sold = expected.end() == GlobalState.CONFIRMED ? expected.branches() : 0;
            List<String> rows = new ArrayList<>();
            for (int b = 0; b < expected.branches(); b++) {
                rows.add(expected.end().name() + (expected.emptyCancel() ? " empty" : "")); // fence states share the names
            }
            List<String> actualRows = fence.getOrDefault(xid, List.of());
            int[] actual = stocks.get(expected.sku());
            if (!expected.end().name().equals(states.get(xid)) || !rows.equals(actualRows)
                    || actual[0] != 10 - sold || actual[1] != 0 || actual[2] != sold) {
                wrong.add(xid + ": log " + states.get(xid) + ", fence " + actualRows + ", stock (available, frozen, sold) "
                        + actual[0] + ", " + actual[1] + ", " + actual[2] + "; expected " + expected);
            }
        });
        assertEquals(List.of(), wrong.subList(0, Math.min(10, wrong.size())),
                wrong.size() + " transactions did not end exactly once");
    }

    /** One job execution a scheduler announced: {@code FIRED job trigger scheduledMs fireId startMs}. */
    private record Firing(String instance, String job, String trigger, long scheduledMs, String fireId, long startMs) {
    }

    private static List<Firing> firings(List<Instance> instances) {
        List<Firing> firings = new ArrayList<>();
        for (Instance instance : instances) {
            for (String line : instance.lines()) {
                String[] f = line.split(" ");
                if (f[0].equals("FIRED") && f.length == 6) {
                    firings.add(new Firing(instance.id(), f[1], f[2], Long.parseLong(f[3]), f[4], Long.parseLong(f[5])));
                }
            }
        }
        return firings;
    }

    private static void assertNoTriggerFiredTwice(List<Firing> firings) {
        Map<String, List<Firing>> byFireTime = firings.stream()
                .collect(Collectors.groupingBy(f -> f.trigger() + "@" + f.scheduledMs()));
        List<String> twice = byFireTime.values().stream().filter(l -> l.size() > 1).map(List::toString).toList();
        assertEquals(List.of(), twice, "Quartz fired one trigger's fire time on two schedulers");
    }

    /**
     * The cleanup job disallows concurrent execution: its runs, on whichever node, never overlap. A run without an end
     * in its scheduler's output ended when that scheduler did ({@code endedAt}).
     */
    private static void assertCleanupsNeverOverlapped(List<Instance> instances, Map<String, Long> endedAt) {
        Map<String, long[]> runs = new HashMap<>(); // fireId -> start, end
        for (Instance instance : instances) {
            for (String line : instance.lines()) {
                String[] f = line.split(" ");
                if (f[0].equals("FIRED") && f.length == 6 && f[1].equals("cleanup")) {
                    runs.put(f[4], new long[] {Long.parseLong(f[5]), endedAt.get(instance.id())});
                } else if (f[0].equals("RAN") && f.length >= 5 && f[1].equals("cleanup")) {
                    runs.get(f[2])[1] = Long.parseLong(f[4]);
                }
            }
        }
        List<long[]> sorted = runs.values().stream().sorted((a, b) -> Long.compare(a[0], b[0])).toList();
        for (int i = 1; i < sorted.size(); i++) {
            assertTrue(sorted.get(i)[0] >= sorted.get(i - 1)[1], "two cleanup runs overlapped: "
                    + sorted.get(i - 1)[0] + ".." + sorted.get(i - 1)[1] + " and " + sorted.get(i)[0] + ".." + sorted.get(i)[1]);
        }
        assertTrue(sorted.size() > 1, "the cleanup job ran: " + sorted.size());
    }

    /** What each scheduler did and which SQL errors Quartz met, for docs/scale-out.md. */
    private static void report(List<Instance> instances, int transactions, long longestCleanupPause) {
        for (Instance instance : instances) {
            List<String> lines = instance.lines();
            Map<String, Long> jobs = new TreeMap<>();
            Map<String, Long> errors = new TreeMap<>();
            long finished = 0;
            for (String line : lines) {
                String[] f = line.split(" ", 5);
                switch (f[0]) {
                    case "RAN" -> jobs.merge(f[1] + (line.endsWith(" ok") ? "" : " (failed)"), 1L, Long::sum);
                    case "FINISHED" -> finished++;
                    case "QUARTZ-SQL-ERROR" -> errors.merge(f[1] + " at " + f[3] + " " + (f.length > 4
                            ? f[4].substring(0, Math.min(48, f[4].length())) : ""), 1L, Long::sum);
                    default -> { }
                }
            }
            Map<String, Long> quartzLog = new TreeMap<>();
            for (String mark : List.of("An error occurred while", "ClusterManager: detected", "ClusterManager: Error",
                    "still active but was recovered", "Handling", "Deadlock", "lost a write conflict", "lost a lock conflict",
                    "setting trigger state to ERROR", "was in ERROR state")) {
                long n = lines.stream().filter(l -> l.contains(mark)).count();
                if (n > 0) {
                    quartzLog.put(mark, n);
                }
            }
            System.out.printf("galera recovery | %d transactions | cleanup's longest pause once all finished %d ms | %s | finished %d | jobs run %s | longest pause between"
                    + " its job starts %d ms | Quartz SQL errors %s | Quartz log %s | %s%n", transactions, longestCleanupPause,
                    instance.id(),
                    finished, jobs, longestPause(firings(List.of(instance)).stream().map(Firing::startMs).toList()),
                    errors, quartzLog, instance.log());
        }
    }

    private static long longestPause(List<Long> starts) {
        List<Long> sorted = starts.stream().sorted().toList();
        long longest = 0;
        for (int i = 1; i < sorted.size(); i++) {
            longest = Math.max(longest, sorted.get(i) - sorted.get(i - 1));
        }
        return longest;
    }

    private Instance start(String id, int node, String mode) throws IOException {
        Path log = Path.of("target", "galera-recovery-it", id + ".log").toAbsolutePath();
        Files.createDirectories(log.getParent());
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", classpath,
                SchedulerProcess.class.getName(), id, cluster.jdbcUrl(node, logDb), cluster.jdbcUrl(node, stockDb), mode)
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Instance instance = new Instance(id, process, log);
        instances.put(id, instance);
        return instance;
    }

    private static void awaitLine(Instance instance, String line) {
        Await.until(instance.id() + " to print " + line + "; see " + instance.log(), UP, () -> {
            assertAlive(instance);
            return instance.lines().contains(line);
        });
    }

    private static void assertAlive(Instance instance) {
        assertTrue(instance.process().isAlive(), instance.id() + " died; see " + instance.log());
    }

    private HikariDataSource pool(int node, TestDatabase db) {
        HikariDataSource pool = cluster.newDataSource(node, db, null, 8);
        pools.add(pool);
        return pool;
    }

    private JdbcTemplate jdbc(int node, TestDatabase db) {
        return new JdbcTemplate(pool(node, db));
    }

    private static int count(JdbcTemplate jdbc, String fromWhere, Object... args) {
        return jdbc.queryForObject("SELECT COUNT(*) FROM " + fromWhere, Integer.class, args);
    }
}
