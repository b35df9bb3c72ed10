package io.tcc.explorer;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import io.tcc.global.CrashPoints;
import io.tcc.global.GlobalState;
import io.tcc.global.GlobalTransactionCancelledException;
import io.tcc.recovery.RecoveryListener;

/**
 * What the run saw, in memory: each transaction's plan, xid, deadline and caller answer, and every decision anyone
 * observed (the initiator's answers, recovery, operators, and the log read before each cleanup), so a reversed decision
 * is caught even after cleanup deleted its row.
 */
final class Ledger {

    enum Answer { NONE, RETURNED, CANCELLED, THREW, CRASHED }

    /** One transaction as its initiator ran it. */
    static final class Tx {
        final Plan plan;
        volatile String xid;
        volatile Instant deadline;
        volatile boolean tryFailed;
        /** The plan sent an operator to cancel it while it ran (set before the operator acts). */
        volatile boolean operatorCancel;
        /** An operator's resolve went through on it (the race's, or the one resolving what recovery flagged). */
        volatile boolean operatorResolved;
        volatile Answer answer = Answer.NONE;
        volatile Throwable failure;
        volatile Instant answeredAt;
        volatile CrashPoints.Point crashedAt;
        /** How long its initiator ran it, to the answer or the crash. */
        volatile long millis;

        Tx(Plan plan) {
            this.plan = plan;
        }

        void answered(Throwable failure) {
            this.failure = failure;
            this.answeredAt = Instant.now();
            this.answer = failure == null ? Answer.RETURNED
                    : failure instanceof GlobalTransactionCancelledException ? Answer.CANCELLED : Answer.THREW;
        }

        void crashed(CrashPoints.Point point) {
            this.crashedAt = point;
            this.answer = Answer.CRASHED;
        }
    }

    /** Wall-clock time of the run's two parts: the workers generating, then waiting for quiescence. */
    volatile long generationMillis;
    volatile long quiescenceMillis;

    private final List<Tx> transactions = new ArrayList<>();
    private final Map<String, Tx> byXid = new ConcurrentHashMap<>();
    private final Map<String, Set<GlobalState>> directions = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> events = new ConcurrentHashMap<>();

    Ledger(List<Plan> plans) {
        plans.forEach(plan -> transactions.add(new Tx(plan)));
    }

    Tx tx(int index) {
        return transactions.get(index);
    }

    List<Tx> transactions() {
        return transactions;
    }

    void started(Tx tx, String xid, Instant deadline) {
        tx.xid = xid;
        tx.deadline = deadline;
        byXid.put(xid, tx);
    }

    void operatorResolved(String xid) {
        Tx tx = byXid.get(xid);
        if (tx != null) {
            tx.operatorResolved = true;
        }
    }

    Tx byXid(String xid) {
        return byXid.get(xid);
    }

    /** A decided state someone saw for {@code xid}; TRYING says nothing about the decision. */
    void observe(String xid, GlobalState state) {
        if (state != null && state.isDecided()) {
            directions.computeIfAbsent(xid, k -> ConcurrentHashMap.newKeySet()).add(state.finalState());
        }
    }

    /** The final states every observation of {@code xid} pointed to: more than one is a reversed decision. */
    Set<GlobalState> directions(String xid) {
        return directions.getOrDefault(xid, Set.of());
    }

    void count(String event) {
        events.computeIfAbsent(event, k -> new AtomicLong()).incrementAndGet();
    }

    Map<String, Long> events() {
        Map<String, Long> sorted = new TreeMap<>();
        events.forEach((k, v) -> sorted.put(k, v.get()));
        return sorted;
    }

    RecoveryListener recoveryListener() {
        return new RecoveryListener() {
            @Override
            public void onFinished(String xid, GlobalState state) {
                // not observed: recovery reports a row that vanished (cleanup) as CANCELLED, whatever it was
                count("recovery finished");
            }

            @Override
            public void onFlagged(String xid, GlobalState state, int attempts, String reason) {
                observe(xid, state);
                count("recovery flagged");
            }
        };
    }
}
