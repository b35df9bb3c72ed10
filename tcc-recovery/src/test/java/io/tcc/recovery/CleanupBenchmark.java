package io.tcc.recovery;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.springframework.jdbc.core.JdbcTemplate;

import io.tcc.global.CrashPoints;
import io.tcc.test.DatabaseKind;
import io.tcc.test.TestDatabase;

/**
 * Cleanup's rate, measured (not a timed test). Finished transactions and fence rows as real traffic wrote them (for
 * example the demo's two databases after a run of orders) are copied {@code bench.copies} times over into scratch
 * databases on the same server, aged past the retention, and deleted by {@link io.tcc.global.LogStore#deleteFinished}
 * and {@link io.tcc.fence.Fence#deleteFinished} at each batch size of {@code bench.batches}: rows per second, each batch
 * size on a fresh copy. Run (no {@code install}: the classpath of the worktree's reactor), with
 * {@code TCC_TEST_MYSQL_URL} naming the server that holds the two source databases:
 *
 * <pre>
 * mvn -q -pl tcc-recovery -am test-compile dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt -Dmdep.includeScope=test
 * java -cp "$(cat /tmp/cp.txt):tcc-recovery/target/test-classes:tcc-recovery/target/classes" io.tcc.recovery.CleanupBenchmark \
 *   &lt;log database&gt; &lt;fence database&gt;
 * </pre>
 */
public final class CleanupBenchmark {

    private static final Duration RETENTION = Duration.ofDays(7);

    private CleanupBenchmark() {
    }

    public static void main(String[] args) {
        String logSource = args[0];
        String fenceSource = args[1];
        int copies = Integer.getInteger("bench.copies", 20);
        List<Integer> batches = List.of(System.getProperty("bench.batches", "100,500,2000,10000").split(",")).stream()
                .map(String::trim).map(Integer::valueOf).toList();
        for (int batch : batches) {
            try (TestDatabase log = TestDatabase.create(DatabaseKind.MYSQL, "cleanup_log").applySchema("global.sql");
                 TestDatabase fence = TestDatabase.create(DatabaseKind.MYSQL, "cleanup_fence").applySchema("fence.sql")) {
                JdbcTemplate jdbc = log.jdbc();
                if (batch == batches.get(0)) {
                    System.out.printf("server %s; innodb_buffer_pool_size %s, innodb_flush_log_at_trx_commit %s%n",
                            jdbc.queryForObject("SELECT VERSION()", String.class),
                            jdbc.queryForObject("SELECT @@innodb_buffer_pool_size", String.class),
                            jdbc.queryForObject("SELECT @@innodb_flush_log_at_trx_commit", String.class));
                }
                for (int copy = 0; copy < copies; copy++) {
                    copyAged(jdbc, logSource, log.name(), fenceSource, fence.name(), copy);
                }
                jdbc.execute("ANALYZE TABLE " + log.name() + ".tcc_global, " + log.name() + ".tcc_branch, "
                        + fence.name() + ".tcc_fence");
                Map<String, Object> before = jdbc.queryForMap("SELECT (SELECT COUNT(*) FROM " + log.name() + ".tcc_global) g,"
                        + " (SELECT COUNT(*) FROM " + log.name() + ".tcc_branch) b, (SELECT COUNT(*) FROM " + fence.name()
                        + ".tcc_fence) f");
                StockNode node = StockNode.wire(log.dataSource(), fence.dataSource(), CrashPoints.NONE);
                try {
                    long started = System.nanoTime();
                    int transactions = node.coordinator().log().deleteFinished(RETENTION, batch);
                    double logSeconds = (System.nanoTime() - started) / 1e9;
                    started = System.nanoTime();
                    int fenceRows = node.fence().deleteFinished(RETENTION, batch);
                    double fenceSeconds = (System.nanoTime() - started) / 1e9;
                    long logRows = ((Number) before.get("g")).longValue() + ((Number) before.get("b")).longValue();
                    System.out.printf("cleanup | batch %,d | global log: %,d transactions (%,d rows with their branches) in"
                                    + " %.1f s: %,.0f transactions/s, %,.0f rows/s | fence: %,d rows in %.1f s: %,.0f rows/s%n",
                            batch, transactions, logRows, logSeconds, transactions / logSeconds, logRows / logSeconds,
                            fenceRows, fenceSeconds, fenceRows / fenceSeconds);
                } finally {
                    node.coordinator().close();
                }
            }
        }
        System.exit(0);
    }

    /** One copy of the source's finished rows, each xid suffixed with the copy's number, aged a day past the retention. */
    private static void copyAged(JdbcTemplate jdbc, String logSource, String log, String fenceSource, String fence, int copy) {
        String suffix = "'-c" + copy + "'";
        long ageMs = RETENTION.plusDays(1).toMillis();
        jdbc.update("INSERT INTO " + log + ".tcc_global SELECT CONCAT(xid, " + suffix + "), state, name, deadline_ms - "
                + ageMs + ", attempts, next_attempt_ms, needs_operator, operator_reason, created_at - INTERVAL 8 DAY,"
                + " updated_at - INTERVAL 8 DAY FROM " + logSource + ".tcc_global WHERE state IN ('CONFIRMED', 'CANCELLED')");
        jdbc.update("INSERT INTO " + log + ".tcc_branch SELECT CONCAT(b.xid, " + suffix + "), b.branch_id, b.participant,"
                + " b.action, b.endpoint, b.state, b.last_outcome, b.created_at - INTERVAL 8 DAY, b.updated_at - INTERVAL 8 DAY"
                + " FROM " + logSource + ".tcc_branch b JOIN " + logSource + ".tcc_global g ON g.xid = b.xid"
                + " WHERE g.state IN ('CONFIRMED', 'CANCELLED')");
        jdbc.update("INSERT INTO " + fence + ".tcc_fence SELECT CONCAT(xid, " + suffix + "), branch_id, action, state,"
                + " empty_cancel, args, deadline_ms - " + ageMs + ", created_at - INTERVAL 8 DAY, updated_at - INTERVAL 8 DAY"
                + " FROM " + fenceSource + ".tcc_fence WHERE state IN ('CONFIRMED', 'CANCELLED')");
    }
}
