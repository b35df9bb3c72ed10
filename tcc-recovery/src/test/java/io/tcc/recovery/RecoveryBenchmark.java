package io.tcc.recovery;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;

import io.tcc.fence.Fence;
import io.tcc.fence.FenceConfig;
import io.tcc.fence.FenceListener;
import io.tcc.global.Coordinator;
import io.tcc.global.CoordinatorConfig;
import io.tcc.global.CrashPoints;
import io.tcc.global.StockActions;
import io.tcc.participant.ActionRegistry;
import io.tcc.participant.Interception;
import io.tcc.participant.JavaSerializationCodec;
import io.tcc.participant.LocalParticipant;
import io.tcc.test.DatabaseKind;
import io.tcc.test.TestDatabase;

/**
 * Recovery's two figures, measured (not a timed test):
 * <ol>
 * <li>how long recovery takes to finish N pending decided transactions whose participant is live (default 10,000,
 *     two daemons), and the rate;</li>
 * <li>the due scan's time with M finished rows in the log (default 1,000,000) against an empty log, as a ratio
 *     measured in the same run on the same database.</li>
 * </ol>
 * Run: {@code mvn -q install -DskipTests && mvn -q -pl tcc-recovery exec:java
 * -Dexec.mainClass=io.tcc.recovery.RecoveryBenchmark -Dexec.classpathScope=test} (with {@code TCC_TEST_MYSQL_URL} set,
 * or on an embedded MariaDB); {@code -Dbench.pending=} and {@code -Dbench.finished=} change the sizes, {@code -Dbench.daemons=} and
 * {@code -Dbench.workers=} (per daemon) the parallelism.
 */
public final class RecoveryBenchmark {

    private RecoveryBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int pending = Integer.getInteger("bench.pending", 10_000);
        int finished = Integer.getInteger("bench.finished", 1_000_000);
        int daemons = Integer.getInteger("bench.daemons", 2);
        int workers = Integer.getInteger("bench.workers", 4);
        DatabaseKind kind = DatabaseKind.valueOf(System.getProperty("bench.database", "MYSQL"));
        try (TestDatabase logDb = TestDatabase.create(kind, "bench_log").applySchema("global.sql");
             TestDatabase partDb = TestDatabase.create(kind, "bench_part").applySchema("fence.sql").run("tcc-test/stock.sql")) {
            String server = logDb.jdbc().queryForObject(kind == DatabaseKind.MYSQL ? "SELECT VERSION()" : "SHOW server_version",
                    String.class);
            System.out.printf("machine: %d cores, %d MiB max heap, %s %s; database %s %s%n",
                    Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20,
                    System.getProperty("java.vm.name"), System.getProperty("java.version"), kind, server);

            // 1. finishing N pending transactions
            loadPending(logDb.jdbc(), partDb.jdbc(), pending);
            List<Coordinator> nodes = new ArrayList<>();
            for (int i = 0; i < daemons; i++) {
                nodes.add(node(logDb, partDb));
            }
            long started = System.nanoTime();
            ExecutorService pool = Executors.newFixedThreadPool(daemons);
            try {
                List<Future<?>> runs = new ArrayList<>();
                for (Coordinator coordinator : nodes) {
                    Recovery recovery = new Recovery(coordinator.log(), coordinator.phaseTwo(), RecoveryConfig.custom().batchSize(200).lease(Duration.ofSeconds(60)).maxAttempts(12).initialBackoff(Duration.ofSeconds(1)).maxBackoff(Duration.ofMinutes(1)).workers(workers).build(),
                            RecoveryListener.NONE);
                    runs.add(pool.submit(() -> {
                        // drain: a pass that claimed nothing is not the end while anything is still due
                        while (recovery.runOnce().due() > 0 || !coordinator.log().findDue(1).isEmpty()) {
                            Thread.onSpinWait();
                        }
                        return null;
                    }));
                }
                for (Future<?> run : runs) {
                    run.get(30, TimeUnit.MINUTES);
                }
            } finally {
                pool.shutdownNow();
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            int confirmed = logDb.jdbc().queryForObject("SELECT COUNT(*) FROM tcc_global WHERE state = 'CONFIRMED'", Integer.class);
            int[] stock = partDb.jdbc().queryForObject("SELECT available, frozen, sold FROM stock WHERE sku = 'bench'",
                    (rs, n) -> new int[] {rs.getInt(1), rs.getInt(2), rs.getInt(3)});
            System.out.printf("recovery: %d pending decided transactions finished by %d daemons of %d workers in %.1f s"
                            + " (%.0f tx/s); confirmed %d; stock available=%d frozen=%d sold=%d; target: within 30 s%n",
                    pending, daemons, workers, seconds, pending / seconds, confirmed, stock[0], stock[1], stock[2]);

            // 2. scan time: an empty log against one with M finished rows, measured interleaved in the same run so
            //    background work of the database (purge, flushing) weighs on both alike
            try (TestDatabase emptyDb = TestDatabase.create(kind, "bench_empty").applySchema("global.sql")) {
                logDb.jdbc().update("DELETE FROM tcc_branch");
                logDb.jdbc().update("DELETE FROM tcc_global");
                addDue(logDb.jdbc(), 50);
                addDue(emptyDb.jdbc(), 50);
                loadFinished(logDb.jdbc(), finished);
                for (TestDatabase db : List.of(logDb, emptyDb)) {
                    db.jdbc().execute(kind == DatabaseKind.MYSQL ? "ANALYZE TABLE tcc_global" : "ANALYZE tcc_global");
                }
                double[] medians = scanMicros(node(emptyDb, partDb), nodes.get(0));
                String findDue = io.tcc.jdbc.Dialect.valueOf(kind.name()).statements("global.sql",
                        java.util.Map.of("global", "tcc_global", "branch", "tcc_branch")).get("find-due").replace("?", "100");
                System.out.println("scan plan over the full log: " + logDb.jdbc().query("EXPLAIN " + findDue, (rs, n) -> {
                    StringBuilder row = new StringBuilder();
                    for (int c = 1; c <= rs.getMetaData().getColumnCount(); c++) {
                        row.append(rs.getMetaData().getColumnLabel(c)).append('=').append(rs.getString(c)).append(' ');
                    }
                    return row.toString().trim();
                }));
                System.out.printf("scan: find-due (50 due) over an empty log %.0f us, over %,d finished rows %.0f us:"
                        + " ratio %.2f (target <= 1.2)%n", medians[0], finished, medians[1], medians[1] / medians[0]);
            }
        }
        System.exit(0);
    }

    private static Coordinator node(TestDatabase logDb, TestDatabase partDb) {
        Fence fence = new Fence(partDb.dataSource(), new DataSourceTransactionManager(partDb.dataSource()),
                FenceConfig.ofDefaults(), FenceListener.NONE);
        ActionRegistry registry = new ActionRegistry(Interception.PROXY);
        registry.register(new StockActions(new JdbcTemplate(partDb.dataSource())), StockActions.class);
        return new Coordinator(logDb.dataSource(), new DataSourceTransactionManager(logDb.dataSource()),
                CoordinatorConfig.ofDefaults(), new LocalParticipant(fence, registry, new JavaSerializationCodec()),
                CrashPoints.NONE);
    }

    /** What N initiators that died right after deciding CONFIRM leave behind, loaded in bulk. */
    private static void loadPending(JdbcTemplate log, JdbcTemplate part, int n) throws NoSuchMethodException {
        String args = new JavaSerializationCodec().encode(StockActions.class.getMethod("reserve", String.class, int.class),
                new Object[] {"bench", 1});
        long deadline = System.currentTimeMillis() + 600_000;
        part.update("INSERT INTO stock (sku, available, frozen, sold) VALUES ('bench', ?, ?, 0)", 10 * n, n);
        String now = "CURRENT_TIMESTAMP";
        List<Object[]> globals = new ArrayList<>();
        List<Object[]> branches = new ArrayList<>();
        List<Object[]> fences = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String xid = "bench-" + i;
            globals.add(new Object[] {xid, deadline});
            branches.add(new Object[] {xid});
            fences.add(new Object[] {xid, args, deadline});
            if (globals.size() == 2_000 || i == n - 1) {
                log.batchUpdate("INSERT INTO tcc_global (xid, state, deadline_ms, attempts, next_attempt_ms, needs_operator,"
                        + " created_at, updated_at) VALUES (?, 'CONFIRMING', ?, 0, 0, FALSE, " + now + ", " + now + ")", globals);
                log.batchUpdate("INSERT INTO tcc_branch (xid, branch_id, participant, action, state, created_at, updated_at)"
                        + " VALUES (?, '1', 'local', 'reserve-stock', 'REGISTERED', " + now + ", " + now + ")", branches);
                part.batchUpdate("INSERT INTO tcc_fence (xid, branch_id, action, state, empty_cancel, args, deadline_ms,"
                        + " created_at, updated_at) VALUES (?, '1', 'reserve-stock', 'TRIED', FALSE, ?, ?, " + now + ", " + now + ")",
                        fences);
                globals.clear();
                branches.clear();
                fences.clear();
            }
        }
    }

    private static void addDue(JdbcTemplate log, int n) {
        for (int i = 0; i < n; i++) {
            log.update("INSERT INTO tcc_global (xid, state, deadline_ms, attempts, next_attempt_ms, needs_operator, created_at,"
                    + " updated_at) VALUES (?, 'CONFIRMING', 0, 0, 0, FALSE, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)", "due-" + i);
        }
    }

    private static void loadFinished(JdbcTemplate log, int n) {
        List<Object[]> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            rows.add(new Object[] {"done-" + i, i % 2 == 0 ? "CONFIRMED" : "CANCELLED"});
            if (rows.size() == 10_000 || i == n - 1) {
                log.batchUpdate("INSERT INTO tcc_global (xid, state, deadline_ms, attempts, next_attempt_ms, needs_operator,"
                        + " created_at, updated_at) VALUES (?, ?, 0, 0, NULL, FALSE, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)", rows);
                rows.clear();
            }
        }
    }

    /** Median times of the due scan (batch of 100) on each log, 500 interleaved rounds after 100 warm-up ones, in us. */
    private static double[] scanMicros(Coordinator empty, Coordinator full) {
        for (int i = 0; i < 100; i++) {
            empty.log().findDue(100);
            full.log().findDue(100);
        }
        long[][] times = new long[2][500];
        for (int i = 0; i < 500; i++) {
            long t = System.nanoTime();
            empty.log().findDue(100);
            times[0][i] = System.nanoTime() - t;
            t = System.nanoTime();
            full.log().findDue(100);
            times[1][i] = System.nanoTime() - t;
        }
        java.util.Arrays.sort(times[0]);
        java.util.Arrays.sort(times[1]);
        return new double[] {times[0][250] / 1_000.0, times[1][250] / 1_000.0};
    }
}
