package io.tcc.global;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
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
 * The global log's races on a 3-node Galera cluster, the initiator writing through node 0 and recovery through node 1:
 * the initiator's decision (CONFIRMING) against recovery's (CANCELLING), where exactly one wins and the other follows
 * it; and a branch registering against recovery's decision, where the branch is either registered before the
 * decision (and in the log) or refused (and not). Nobody sees an error. {@code -Dtcc.race.rounds} as for the fence
 * races.
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

    /** One round: its outcome's name, or null after adding what the log shows to {@code violations}. */
    @FunctionalInterface
    private interface Round {
        String play(int n, List<String> violations) throws Exception;
    }

    @Test
    void initiatorAndRecoveryDecidingThroughTwoNodesHaveExactlyOneWinner() throws Exception {
        race("decide || decide", (n, violations) -> {
            String xid = newTransaction(n);
            List<Object> answers = together(() -> initiator.decide(xid, GlobalState.CONFIRMING),
                    () -> recovery.decide(xid, GlobalState.CANCELLING));
            GlobalState inLog = initiator.find(xid).orElseThrow().state();
            if (answers.get(0) instanceof LogStore.Decision a && answers.get(1) instanceof LogStore.Decision b
                    && (a.decidedFirst() == null) != (b.decidedFirst() == null)
                    && a.state() == inLog && b.state() == inLog) {
                return inLog == GlobalState.CONFIRMING ? "initiatorWon" : "recoveryWon";
            }
            violations.add("round " + n + " " + xid + ": initiator " + answers.get(0) + ", recovery " + answers.get(1)
                    + ", log " + inLog);
            return null;
        });
    }

    @Test
    void aBranchRegisteringThroughOneNodeWhileRecoveryDecidesThroughAnotherIsRegisteredBeforeTheDecisionOrRefused()
            throws Exception {
        registeringRacesDeciding("register || decide", false);
    }

    @Test
    void aLocalBranchRegisteringWithItsTryWhileRecoveryDecidesIsRegisteredBeforeTheDecisionOrRefused() throws Exception {
        registeringRacesDeciding("register with local try || decide", true);
    }

    /** @param withLocalTry the second branch's registration shares its commit with a local participant's try */
    private void registeringRacesDeciding(String name, boolean withLocalTry) throws Exception {
        Registration registration = new Registration(initiator, Clock.systemUTC());
        race(name, (n, violations) -> {
            String xid = "galera-register-" + n + "-" + Long.toString(System.nanoTime(), 36);
            ActiveTransaction tx = new ActiveTransaction(xid, Instant.now().plusSeconds(60), "race");
            registration.alone(tx, branch(tx));
            BranchRecord second = branch(tx);
            List<Object> answers = together(() -> {
                if (withLocalTry) {
                    return registration.withLocalTry(tx, second, c -> "REGISTERED");
                }
                registration.alone(tx, second);
                return "REGISTERED";
            }, () -> recovery.decide(xid, GlobalState.CANCELLING));
            boolean inLog = initiator.branches(xid).stream().anyMatch(b -> b.branchId().equals(second.branchId()));
            GlobalState state = initiator.find(xid).orElseThrow().state();
            boolean decided = answers.get(1) instanceof LogStore.Decision d && d.decidedFirst() == null
                    && state == GlobalState.CANCELLING;
            if (decided && "REGISTERED".equals(answers.get(0)) && inLog) {
                return "registeredThenDecided";
            }
            if (decided && String.valueOf(answers.get(0)).contains(BranchRegistrationRefusedException.class.getName())
                    && !inLog) {
                return "decidedThenRefused";
            }
            violations.add("round " + n + " " + xid + ": registration " + answers.get(0) + ", decision " + answers.get(1)
                    + ", log " + state + ", second branch in the log: " + inLog);
            return null;
        });
    }

    private static BranchRecord branch(ActiveTransaction tx) {
        return new BranchRecord(tx.xid(), tx.nextBranchId(), "inventory", "reserve-stock", "http://inventory",
                BranchState.REGISTERED, null, null, null);
    }

    private String newTransaction(int n) {
        String xid = "galera-race-" + n + "-" + Long.toString(System.nanoTime(), 36);
        initiator.inLog(c -> {
            initiator.sql().insertGlobal(c, xid, "race", Instant.now().plusSeconds(60), Duration.ofSeconds(1));
            return null;
        });
        return xid;
    }

    private void race(String name, Round round) throws Exception {
        Map<String, LongAdder> outcomes = new ConcurrentHashMap<>();
        List<String> violations = Collections.synchronizedList(new ArrayList<>());
        long conflictsBefore = initiator.conflictRetries() + recovery.conflictRetries();
        long started = System.nanoTime();
        ExecutorService lanes = Executors.newFixedThreadPool(LANES);
        try {
            List<Future<?>> work = new ArrayList<>();
            for (int lane = 0; lane < LANES; lane++) {
                int first = lane;
                work.add(lanes.submit(() -> {
                    for (int n = first; n < ROUNDS; n += LANES) {
                        String outcome = round.play(n, violations);
                        outcomes.computeIfAbsent(outcome == null ? "VIOLATION" : outcome, k -> new LongAdder()).increment();
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
        System.out.printf("global log race | Galera, two nodes | %s | rounds=%d | outcomes=%s | conflictRetries=%d"
                        + " | violations=%d | %d ms%n", name, ROUNDS, counts,
                initiator.conflictRetries() + recovery.conflictRetries() - conflictsBefore, violations.size(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
        assertEquals(List.of(), violations.subList(0, Math.min(10, violations.size())), name);
        assertEquals(ROUNDS, counts.values().stream().mapToLong(Long::longValue).sum());
    }

    /** Runs both at once (released together) and returns their answers, or "ERROR ..." for what they threw. */
    private static List<Object> together(Callable<Object> first, Callable<Object> second) throws Exception {
        CyclicBarrier start = new CyclicBarrier(2);
        ExecutorService racers = Executors.newFixedThreadPool(2);
        try {
            Future<Object> a = racers.submit(() -> attempt(start, first));
            Future<Object> b = racers.submit(() -> attempt(start, second));
            return List.of(a.get(1, TimeUnit.MINUTES), b.get(1, TimeUnit.MINUTES));
        } finally {
            racers.shutdownNow();
        }
    }

    private static Object attempt(CyclicBarrier start, Callable<Object> call) throws Exception {
        start.await(1, TimeUnit.MINUTES);
        try {
            return call.call();
        } catch (Exception e) {
            return "ERROR " + e + (e.getCause() == null ? "" : " (cause: " + e.getCause() + ")");
        }
    }
}
