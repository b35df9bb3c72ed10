package io.tcc.global;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
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

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;

import com.zaxxer.hikari.HikariDataSource;

import io.tcc.test.GaleraCluster;
import io.tcc.test.TestDatabase;

/**
 * The global log's decision race on a 3-node Galera cluster: the initiator decides CONFIRMING through node 0 while
 * recovery decides CANCELLING through node 1, round after round. Exactly one wins; the other follows it; nobody sees
 * an error. {@code -Dtcc.race.rounds} as for the fence races.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GaleraGlobalLogRaceIT {

    private static final int ROUNDS = Integer.getInteger("tcc.race.rounds", 1000);
    private static final int LANES = 4;

    private TestDatabase db;
    private final List<HikariDataSource> pools = new ArrayList<>();
    private LogStore initiator;
    private LogStore recovery;

    @BeforeAll
    void wire() {
        GaleraCluster.notRunReason().ifPresent(reason -> {
            System.out.println("GaleraGlobalLogRaceIT " + reason);
            Assumptions.abort(reason);
        });
        GaleraCluster cluster = GaleraCluster.get();
        db = cluster.createDatabase("global_race_galera").applySchema("global.sql");
        initiator = store(cluster, 0);
        recovery = store(cluster, 1);
    }

    private LogStore store(GaleraCluster cluster, int node) {
        HikariDataSource pool = cluster.newDataSource(node, db, null, LANES + 2);
        pools.add(pool);
        return new LogStore(pool, new DataSourceTransactionManager(pool), CoordinatorConfig.ofDefaults());
    }

    @AfterAll
    void close() {
        for (LogStore store : new LogStore[] {initiator, recovery}) {
            if (store != null) {
                store.close();
            }
        }
        pools.forEach(HikariDataSource::close);
        if (db != null) {
            db.close();
        }
    }

    @Test
    void initiatorAndRecoveryDecidingThroughTwoNodesHaveExactlyOneWinner() throws Exception {
        Map<String, LongAdder> outcomes = new ConcurrentHashMap<>();
        List<String> violations = Collections.synchronizedList(new ArrayList<>());
        long conflictsBefore = initiator.conflictRetries() + recovery.conflictRetries();
        long started = System.nanoTime();
        ExecutorService lanes = Executors.newFixedThreadPool(LANES * 2);
        try {
            List<Future<?>> work = new ArrayList<>();
            for (int lane = 0; lane < LANES; lane++) {
                int first = lane;
                work.add(lanes.submit(() -> {
                    for (int n = first; n < ROUNDS; n += LANES) {
                        String outcome = round(n, violations);
                        outcomes.computeIfAbsent(outcome, k -> new LongAdder()).increment();
                    }
                    return null;
                }));
            }
            for (Future<?> f : work) {
                f.get(10, TimeUnit.MINUTES);
            }
        } finally {
            lanes.shutdownNow();
        }
        Map<String, Long> counts = new TreeMap<>();
        outcomes.forEach((k, v) -> counts.put(k, v.sum()));
        System.out.printf("global log race | Galera %s | decide || decide | rounds=%d | outcomes=%s | conflictRetries=%d"
                        + " | violations=%d | %d ms%n", GaleraCluster.get().origin(), ROUNDS, counts,
                initiator.conflictRetries() + recovery.conflictRetries() - conflictsBefore, violations.size(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
        assertEquals(List.of(), violations.subList(0, Math.min(10, violations.size())));
        assertEquals(ROUNDS, counts.values().stream().mapToLong(Long::longValue).sum());
    }

    private String round(int n, List<String> violations) throws Exception {
        String xid = "galera-race-" + n + "-" + Long.toString(System.nanoTime(), 36);
        initiator.inLog(c -> {
            initiator.sql().insertGlobal(c, xid, "race", Instant.now().plusSeconds(60), Duration.ofSeconds(1));
            return null;
        });
        CyclicBarrier start = new CyclicBarrier(2);
        ExecutorService racers = Executors.newFixedThreadPool(2);
        try {
            Future<Object> confirm = racers.submit(() -> decide(start, initiator, xid, GlobalState.CONFIRMING));
            Future<Object> cancel = racers.submit(() -> decide(start, recovery, xid, GlobalState.CANCELLING));
            Object a = confirm.get(1, TimeUnit.MINUTES);
            Object b = cancel.get(1, TimeUnit.MINUTES);
            GlobalState inLog = initiator.find(xid).orElseThrow().state();
            if (a instanceof LogStore.Decision da && b instanceof LogStore.Decision db2
                    && (da.decidedFirst() == null) != (db2.decidedFirst() == null)
                    && da.state() == inLog && db2.state() == inLog) {
                return inLog == GlobalState.CONFIRMING ? "initiatorWon" : "recoveryWon";
            }
            violations.add("round " + n + " " + xid + ": initiator " + a + ", recovery " + b + ", log " + inLog);
            return "VIOLATION";
        } finally {
            racers.shutdownNow();
        }
    }

    private static Object decide(CyclicBarrier start, LogStore store, String xid, GlobalState decision) throws Exception {
        start.await(1, TimeUnit.MINUTES);
        try {
            return store.decide(xid, decision);
        } catch (RuntimeException e) {
            return "ERROR " + e + (e.getCause() == null ? "" : " (cause: " + e.getCause() + ")");
        }
    }
}
