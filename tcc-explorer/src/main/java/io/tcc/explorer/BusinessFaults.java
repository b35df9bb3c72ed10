package io.tcc.explorer;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import javax.sql.DataSource;

/**
 * The business methods' planned failures, shared by every participant of a run: each fires once per branch and phase
 * (so a retried confirm or cancel gets through and the run can reach quiescence), and each firing is counted.
 */
final class BusinessFaults {

    /** Longer than the participants' lock timeout (1 s), so a planned lock wait times out. */
    static final long HOLD_MS = 1300;

    private final Set<String> fired = ConcurrentHashMap.newKeySet();
    /** Business calls whose arguments did not survive the trip through the fence row (or the wire). */
    final Set<String> garbled = ConcurrentHashMap.newKeySet();
    private final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();

    /**
     * The fault this call acts on: the plan's for the phase, the first time only.
     *
     * @param faults the plan's faults as "try/confirm/cancel", see {@link Plan.Branch#faults()}
     */
    Plan.Fault take(String xid, int branch, String phase, String faults) {
        String[] byPhase = faults.split("/");
        Plan.Fault planned = Plan.Fault.valueOf(byPhase[phase.equals("try") ? 0 : phase.equals("confirm") ? 1 : 2]);
        if (planned == Plan.Fault.NONE || !fired.add(xid + " " + branch + " " + phase)) {
            return Plan.Fault.NONE;
        }
        counts.computeIfAbsent(phase + " " + planned, k -> new AtomicLong()).incrementAndGet();
        return planned;
    }

    void garbled(String what) {
        garbled.add(what);
    }

    /** Fired faults by "phase KIND", sorted. */
    Map<String, Long> counts() {
        Map<String, Long> sorted = new TreeMap<>();
        counts.forEach((k, v) -> sorted.put(k, v.get()));
        return sorted;
    }

    /**
     * Locks the row of {@code sku} from another connection for {@link #HOLD_MS}, returning once it is locked (or after
     * a bounded wait, should that connection itself wait on someone): the caller's update then waits on it.
     */
    static void holdRow(DataSource blockers, String sku) {
        CountDownLatch locked = new CountDownLatch(1);
        Thread holder = new Thread(() -> {
            try (Connection c = blockers.getConnection()) {
                c.setAutoCommit(false);
                try (PreparedStatement lock = c.prepareStatement("SELECT available FROM stock WHERE sku = ? FOR UPDATE")) {
                    lock.setString(1, sku);
                    lock.executeQuery().close();
                    locked.countDown();
                    Thread.sleep(HOLD_MS);
                } finally {
                    c.rollback();
                }
            } catch (Exception e) {
                locked.countDown(); // could not lock it: the planned wait simply does not happen
            }
        }, "explorer-row-holder");
        holder.setDaemon(true);
        holder.start();
        try {
            locked.await(3, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
