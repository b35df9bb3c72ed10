package io.tcc.fence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;

import io.tcc.test.DatabaseKind;
import io.tcc.test.TestDatabase;

/**
 * Two threads race the same branch, round after round, with random pauses inside the business try and before
 * each call; after every round the database is checked for the allowed end states only. Several rounds run at
 * once on other xids, so neighbouring keys contend for the same index gaps as in production.
 * {@code -Dtcc.race.rounds=10000} for a full run.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class FenceRaceTests {

    private static final int ROUNDS = Integer.getInteger("tcc.race.rounds", 1000);
    private static final int LANES = 4;
    private static final String A = StockFixture.ACTION;

    /** Which racer of a round (0, 1, ...) the current thread is, while it makes its call; null elsewhere. */
    static final ThreadLocal<Integer> RACER = new ThreadLocal<>();

    private TestDatabase db;
    private DataSource dataSource;
    private FenceCounters counters;
    private Fence fence;
    private StockFixture stock;
    private String label;

    abstract DatabaseKind kind();

    /** A {@code java.sql.Connection} isolation constant name, or null for the server's default. */
    abstract String isolation();

    /** The fence pool's autocommit mode: off as the demo services run it (no SET autocommit per transaction). */
    boolean autoCommit() {
        return true;
    }

    /** The database the races run on, empty. */
    TestDatabase emptyDatabase() {
        return TestDatabase.create(kind(), "fence_race");
    }

    /** The DataSource the fence and the business methods use; {@link #RACER} tells the racers apart. */
    DataSource openDataSource(TestDatabase database, int poolSize) {
        return database.newDataSource(isolation(), poolSize, autoCommit());
    }

    @BeforeAll
    void createDatabase() throws SQLException {
        db = emptyDatabase().applySchema("fence.sql").run("tcc-test/stock.sql");
        dataSource = openDataSource(db, LANES * 2 + 2);
        counters = new FenceCounters();
        fence = new Fence(dataSource, new DataSourceTransactionManager(dataSource), FenceConfig.ofDefaults(), counters);
        stock = new StockFixture(new JdbcTemplate(dataSource), db.jdbc());
        label = kind() + " " + effectiveIsolation() + (autoCommit() ? "" : ", autocommit off") + " (" + db + ")";
    }

    @AfterAll
    void dropDatabase() throws Exception {
        if (dataSource instanceof AutoCloseable pool) {
            pool.close();
        }
        if (db != null) {
            db.close();
        }
    }

    /** Asks the server, not the driver, which isolation its sessions run: the race is only meaningful under it. */
    private String effectiveIsolation() throws SQLException {
        String[] queries = kind() == DatabaseKind.MYSQL
                ? new String[] {"SELECT @@SESSION.transaction_isolation", "SELECT @@SESSION.tx_isolation"}
                : new String[] {"SHOW transaction_isolation"};
        try (Connection c = dataSource.getConnection()) {
            for (String query : queries) {
                try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(query)) {
                    rs.next();
                    return rs.getString(1).toUpperCase().replace('-', '_').replace(' ', '_');
                } catch (SQLException unknownVariable) {
                    // MariaDB before 11.1 only knows tx_isolation
                }
            }
        }
        throw new IllegalStateException("cannot read the session isolation level");
    }

    @Test
    void tryRacingCancelEndsInTryThenCancelOrInEmptyCancelAndRefusedTry() throws Exception {
        Map<String, Long> outcomes = race("try || cancel", round -> stock.addSku(round.sku, 1),
                round -> fence.tryBranch(round.key, A, round.sku, deadline(), () -> stock.freeze(round.key, round.sku, 2000)),
                round -> fence.cancel(round.key, A, deadline(), stock::release),
                (round, tryOutcome, cancelOutcome) -> {
                    State s = state(round);
                    if (tryOutcome.equals("EXECUTED") && cancelOutcome.equals("EXECUTED") && s.is(1, 1, 0, 0,
                            FenceState.CANCELLED, false, 1, 0, 0)) {
                        return "tryThenCancel";
                    }
                    if (tryOutcome.equals("REFUSED_SUSPENDED") && cancelOutcome.equals("EMPTY_CANCEL") && s.is(0, 0, 0, 0,
                            FenceState.CANCELLED, true, 1, 0, 0)) {
                        return "emptyCancelTryRefused";
                    }
                    return null;
                });
        assertTrue(outcomes.getOrDefault("tryThenCancel", 0L) + outcomes.getOrDefault("emptyCancelTryRefused", 0L) == ROUNDS);
    }

    @Test
    void cancelRacingCancelRunsTheBusinessCancelOnce() throws Exception {
        // even rounds race over a tried branch, odd rounds over an absent one (both cancels insert: the gap-lock case)
        race("cancel || cancel", round -> {
                    stock.addSku(round.sku, 1);
                    if (round.number % 2 == 0) {
                        fence.tryBranch(round.key, A, round.sku, deadline(), () -> stock.freeze(round.key, round.sku, 0));
                    }
                },
                round -> fence.cancel(round.key, A, deadline(), stock::release),
                round -> fence.cancel(round.key, A, deadline(), stock::release),
                (round, first, second) -> {
                    State s = state(round);
                    boolean tried = round.number % 2 == 0;
                    List<String> both = sorted(first, second);
                    if (tried && both.equals(List.of("DUPLICATE", "EXECUTED"))
                            && s.is(1, 1, 0, 0, FenceState.CANCELLED, false, 1, 0, 0)) {
                        return "cancelledOnce";
                    }
                    if (!tried && both.equals(List.of("DUPLICATE", "EMPTY_CANCEL"))
                            && s.is(0, 0, 0, 0, FenceState.CANCELLED, true, 1, 0, 0)) {
                        return "emptyCancelledOnce";
                    }
                    return null;
                });
    }

    @Test
    void confirmRacingConfirmRunsTheBusinessConfirmOnce() throws Exception {
        race("confirm || confirm", round -> {
                    stock.addSku(round.sku, 1);
                    fence.tryBranch(round.key, A, round.sku, deadline(), () -> stock.freeze(round.key, round.sku, 0));
                },
                round -> fence.confirm(round.key, A, deadline(), stock::sell),
                round -> fence.confirm(round.key, A, deadline(), stock::sell),
                (round, first, second) -> sorted(first, second).equals(List.of("DUPLICATE", "EXECUTED"))
                        && state(round).is(1, 0, 1, 0, FenceState.CONFIRMED, false, 0, 0, 1) ? "confirmedOnce" : null);
    }

    @Test
    void tryRacingTryRunsTheBusinessTryOnce() throws Exception {
        race("try || try", round -> stock.addSku(round.sku, 1),
                round -> fence.tryBranch(round.key, A, round.sku, deadline(), () -> stock.freeze(round.key, round.sku, 2000)),
                round -> fence.tryBranch(round.key, A, round.sku, deadline(), () -> stock.freeze(round.key, round.sku, 2000)),
                (round, first, second) -> sorted(first, second).equals(List.of("DUPLICATE", "EXECUTED"))
                        && state(round).is(1, 0, 0, 0, FenceState.TRIED, false, 0, 1, 0) ? "triedOnce" : null);
    }

    @Test
    void cancelsRacingATryThatRollsBackRecordOneEmptyCancelAndRunNoBusinessCancel() throws Exception {
        // three inserters of one key, the first rolling back: InnoDB may deadlock the two cancels (both inherit a gap
        // lock from the vanished row, then both insert into that gap); the victim is run again and finds the other's row
        race("try(fails) || cancel || cancel", round -> stock.addSku(round.sku, 1), List.of(
                round -> fence.tryBranch(round.key, A, round.sku, deadline(), () -> {
                    stock.freeze(round.key, round.sku, 2000);
                    throw new IllegalStateException("the business try fails after its writes");
                }),
                round -> fence.cancel(round.key, A, deadline(), stock::release),
                round -> fence.cancel(round.key, A, deadline(), stock::release)),
                (round, outcomes) -> {
                    boolean cancelledOnce = sorted(outcomes.get(1), outcomes.get(2)).equals(List.of("DUPLICATE", "EMPTY_CANCEL"))
                            && state(round).is(0, 0, 0, 0, FenceState.CANCELLED, true, 1, 0, 0);
                    if (cancelledOnce && outcomes.get(0).startsWith("ERROR java.lang.IllegalStateException")) {
                        return "tryFailedThenEmptyCancel";
                    }
                    return cancelledOnce && outcomes.get(0).equals("REFUSED_SUSPENDED") ? "emptyCancelThenTryRefused" : null;
                });
    }

    // --- the race machinery ---

    private record Round(int number, BranchKey key, String sku) {
    }

    @FunctionalInterface
    private interface Step {
        void run(Round round) throws Throwable;
    }

    @FunctionalInterface
    private interface Call {
        FenceResult<?> call(Round round) throws Throwable;
    }

    /** Names the round's outcome, or returns null when the database shows a state the contract forbids. */
    @FunctionalInterface
    private interface Judge {
        String judge(Round round, String outcomeA, String outcomeB);
    }

    /** The same for any number of racers, given their outcomes in order. */
    @FunctionalInterface
    private interface JudgeAll {
        String judge(Round round, List<String> outcomes);
    }

    /** What the database holds after a round: business effects, the fence row and the stock. */
    private record State(int tryEffects, int confirmEffects, int cancelEffects, FenceState fence, boolean empty,
                         int[] stock) {
        boolean is(int tries, int cancels, int confirms, int unused, FenceState state, boolean emptyCancel,
                   int available, int frozen, int sold) {
            return tryEffects == tries && cancelEffects == cancels && confirmEffects == confirms && fence == state
                    && empty == emptyCancel && Arrays.equals(stock, new int[] {available, frozen, sold});
        }

        @Override
        public String toString() {
            return "effects try=" + tryEffects + " confirm=" + confirmEffects + " cancel=" + cancelEffects
                    + ", fence=" + fence + (empty ? " (empty)" : "") + ", stock [available, frozen, sold]="
                    + Arrays.toString(stock);
        }
    }

    private State state(Round round) {
        FenceRecord row = fence.find(round.key).orElse(null);
        return new State(stock.effects(round.key, FencePhase.TRY), stock.effects(round.key, FencePhase.CONFIRM),
                stock.effects(round.key, FencePhase.CANCEL), row == null ? null : row.state(),
                row != null && row.emptyCancel(), stock.stock(round.sku));
    }

    private Map<String, Long> race(String name, Step setup, Call a, Call b, Judge judge) throws Exception {
        return race(name, setup, List.of(a, b), (round, outcomes) -> judge.judge(round, outcomes.get(0), outcomes.get(1)));
    }

    private Map<String, Long> race(String name, Step setup, List<Call> calls, JudgeAll judge) throws Exception {
        Map<String, LongAdder> outcomes = new ConcurrentHashMap<>();
        List<String> violations = Collections.synchronizedList(new ArrayList<>());
        long conflictsBefore = counters.conflictRetries();
        long started = System.nanoTime();
        ExecutorService lanes = Executors.newFixedThreadPool(LANES);
        try {
            List<Future<?>> work = new ArrayList<>();
            for (int lane = 0; lane < LANES; lane++) {
                int first = lane;
                work.add(lanes.submit(() -> {
                    runLane(name, first, setup, calls, judge, outcomes, violations);
                    return null;
                }));
            }
            for (Future<?> f : work) {
                f.get(20, TimeUnit.MINUTES);
            }
        } finally {
            lanes.shutdownNow();
        }
        Map<String, Long> counts = new TreeMap<>();
        outcomes.forEach((k, v) -> counts.put(k, v.sum()));
        System.out.printf("fence race | %s | %s | rounds=%d | outcomes=%s | conflictRetries=%d | violations=%d | %d ms%n",
                label, name, ROUNDS, counts, counters.conflictRetries() - conflictsBefore, violations.size(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
        assertEquals(List.of(), violations.subList(0, Math.min(10, violations.size())), name + " violations on " + label);
        assertEquals(ROUNDS, counts.values().stream().mapToLong(Long::longValue).sum());
        return counts;
    }

    private void runLane(String name, int lane, Step setup, List<Call> calls, JudgeAll judge,
                         Map<String, LongAdder> outcomes, List<String> violations) throws Exception {
        ExecutorService racers = Executors.newFixedThreadPool(calls.size());
        try {
            for (int n = lane; n < ROUNDS; n += LANES) {
                String id = name.replaceAll("[^a-z]", "") + "-" + n + "-" + Long.toString(System.nanoTime(), 36);
                Round round = new Round(n, new BranchKey("race-" + id, "b1"), "sku-" + id);
                try {
                    setup.run(round);
                } catch (Throwable t) {
                    throw new IllegalStateException("setting up round " + n + " failed", t);
                }
                CyclicBarrier start = new CyclicBarrier(calls.size());
                List<Future<String>> racing = new ArrayList<>();
                for (int racer = 0; racer < calls.size(); racer++) {
                    Call call = calls.get(racer);
                    int number = racer;
                    racing.add(racers.submit(() -> attempt(start, round, call, number)));
                }
                List<String> answered = new ArrayList<>();
                for (Future<String> f : racing) {
                    answered.add(f.get(1, TimeUnit.MINUTES));
                }
                String outcome = judge.judge(round, answered);
                if (outcome == null) {
                    violations.add("round " + n + " " + round.key + ": calls answered " + answered
                            + "; database shows " + state(round));
                    outcome = "VIOLATION";
                }
                outcomes.computeIfAbsent(outcome, k -> new LongAdder()).increment();
            }
        } finally {
            racers.shutdownNow();
        }
    }

    private static String attempt(CyclicBarrier start, Round round, Call call, int racer) throws Exception {
        start.await(1, TimeUnit.MINUTES);
        StockFixture.pause(500); // either side may go first
        RACER.set(racer);
        try {
            return call.call(round).outcome().name();
        } catch (TryRefusedException e) {
            return "REFUSED_" + e.reason();
        } catch (Throwable t) {
            return "ERROR " + t + (t.getCause() == null ? "" : " (cause: " + t.getCause() + ")");
        } finally {
            RACER.remove();
        }
    }

    private static List<String> sorted(String first, String second) {
        List<String> both = new ArrayList<>(List.of(first, second));
        Collections.sort(both);
        return both;
    }

    private static Instant deadline() {
        return Instant.now().plusSeconds(120);
    }
}
