package io.tcc.explorer;

import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The seeded explorer: generates {@code transactions} planned global transactions from {@code seed}, runs them on
 * {@link Topology#WORKERS} workers against one database setup's real parts, waits for quiescence and checks the
 * databases. ExplorerIT runs it once per setup, with {@code -Dexplorer.seed} and {@code -Dexplorer.transactions};
 * see docs/explorer.md.
 */
public final class Explorer {

    /** How long recovery gets after the last transaction to finish or flag everything. */
    private static final long QUIESCENCE_MS = 90_000;
    /** A progress line every so many transactions, so a long run shows its rate while it runs. */
    private static final int PROGRESS_EVERY = 2500;

    private Explorer() {
    }

    /** Runs one setup; never throws for a violation, it is in the report. */
    public static Report run(Setup setup, long seed, int transactions) {
        long started = System.nanoTime();
        List<Plan> plans = new Planner(seed, Topology.MAX_TIMEOUT.toMillis(), Topology.RECOVERY_MARGIN.toMillis())
                .plans(transactions);
        Ledger ledger = new Ledger(plans);
        Crashes crashes = new Crashes();
        ScheduledExecutorService others = Executors.newScheduledThreadPool(4);
        try (Topology topology = new Topology(setup, seed, crashes, ledger.recoveryListener());
             Background background = new Background(topology, ledger)) {
            background.start();
            Initiator initiator = new Initiator(topology, ledger, crashes, others);
            long generating = System.nanoTime();
            AtomicInteger next = new AtomicInteger();
            ExecutorService workers = Executors.newFixedThreadPool(Topology.WORKERS);
            for (int slot = 0; slot < Topology.WORKERS; slot++) {
                int mySlot = slot;
                workers.submit(() -> {
                    for (int i = next.getAndIncrement(); i < transactions; i = next.getAndIncrement()) {
                        initiator.run(plans.get(i), mySlot);
                        if ((i + 1) % PROGRESS_EVERY == 0) {
                            long ms = (System.nanoTime() - generating) / 1_000_000;
                            System.out.printf("explorer: %s %d of %d transactions started in %.0f s (%.1f tx/s)%n", setup,
                                    i + 1, transactions, ms / 1000.0, (i + 1) * 1000.0 / Math.max(1, ms));
                        }
                    }
                });
            }
            workers.shutdown();
            awaitTermination(workers);
            ledger.generationMillis = (System.nanoTime() - generating) / 1_000_000;
            others.shutdown();
            awaitTermination(others);
            background.stopOperators();
            long quiet = System.nanoTime();
            quiesce(topology);
            background.close();
            ledger.quiescenceMillis = (System.nanoTime() - quiet) / 1_000_000;
            Checks checks = new Checks();
            checks.run(topology, ledger);
            return Report.of(seed, topology, ledger, crashes, checks, (System.nanoTime() - started) / 1_000_000);
        } finally {
            others.shutdownNow();
        }
    }

    /** Waits until every transaction in the log is finished or flagged, or the bound passes. */
    private static void quiesce(Topology topology) {
        JdbcTemplate log = new JdbcTemplate(topology.logDb.dataSource());
        long deadline = System.currentTimeMillis() + QUIESCENCE_MS;
        // late deliveries still in flight land first: the longest planned delay plus a call
        sleep(1500 + Topology.CALL_TIMEOUT.toMillis());
        while (System.currentTimeMillis() < deadline) {
            Integer open = log.queryForObject("SELECT COUNT(*) FROM tcc_global WHERE state NOT IN ('CONFIRMED', 'CANCELLED')"
                    + " AND needs_operator = FALSE", Integer.class);
            if (open == 0) {
                return;
            }
            sleep(200);
        }
    }

    private static void awaitTermination(ExecutorService pool) {
        try {
            if (!pool.awaitTermination(6, TimeUnit.HOURS)) {
                throw new IllegalStateException("the explorer's workers did not finish");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the workers ran", e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The seed from {@code -Dexplorer.seed}, or a fresh one. */
    public static long seed() {
        String given = System.getProperty("explorer.seed", "");
        return given.isBlank() ? ThreadLocalRandom.current().nextLong(1L << 48) : Long.parseLong(given.trim());
    }

    /** The transactions per setup from {@code -Dexplorer.transactions}, or {@code byDefault}. */
    public static int transactions(int byDefault) {
        String given = System.getProperty("explorer.transactions", "");
        return given.isBlank() ? byDefault : Integer.parseInt(given.trim());
    }
}
