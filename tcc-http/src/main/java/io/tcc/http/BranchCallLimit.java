package io.tcc.http;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The participant's bound on branch calls running at once. A call that finds every place taken for longer than the
 * busy wait, or finds the same call (xid, branch, phase) still running, is answered BUSY before any TCC code runs: it
 * did nothing, and nothing of it is kept to run later. So an outage of the participant's database (where every call
 * waits for a connection) holds at most {@code maxConcurrentCalls} calls, instead of queueing every retry the callers
 * make and running them all, as duplicates, once the database is back.
 */
public final class BranchCallLimit {

    private final int maxConcurrentCalls;
    private final Duration busyWait;
    private final Semaphore places;
    private final Set<String> running = ConcurrentHashMap.newKeySet();
    private final LongAdder refused = new LongAdder();

    /**
     * @param maxConcurrentCalls branch calls that may run at once; keep it at or below the database pool's size, so a
     *                           call that gets in does not also queue for a connection
     * @param busyWait           how long a call may wait for a place before it is answered BUSY
     */
    public BranchCallLimit(int maxConcurrentCalls, Duration busyWait) {
        if (maxConcurrentCalls < 1) {
            throw new IllegalArgumentException("tcc.http.participant.max-concurrent-calls must be at least 1, was "
                    + maxConcurrentCalls);
        }
        Objects.requireNonNull(busyWait, "busyWait");
        if (busyWait.isNegative()) {
            throw new IllegalArgumentException("tcc.http.participant.busy-wait must not be negative, was " + busyWait);
        }
        this.maxConcurrentCalls = maxConcurrentCalls;
        this.busyWait = busyWait;
        this.places = new Semaphore(maxConcurrentCalls, true);
    }

    /** No bound: every call runs at once, as many as the server's threads. */
    public static BranchCallLimit unbounded() {
        return new BranchCallLimit(Integer.MAX_VALUE, Duration.ZERO);
    }

    /**
     * Runs {@code work} for {@code call} if a place is free within the busy wait and the same call is not running;
     * otherwise answers {@code busy} with a safe message, and runs nothing.
     */
    public <T> T run(BranchCall call, Supplier<T> work, Function<String, T> busy) {
        String key = key(call);
        if (!running.add(key)) {
            refused.increment();
            return busy.apply("the same " + phase(call) + " is still running here; nothing was done, call again later");
        }
        try {
            if (!acquire()) {
                refused.increment();
                return busy.apply(maxConcurrentCalls + " branch calls are running here already; nothing was done, call"
                        + " again later");
            }
            try {
                return work.get();
            } finally {
                places.release();
            }
        } finally {
            running.remove(key);
        }
    }

    /**
     * Runs a batch in one place, if one is free within the busy wait; {@code work} learns which entries are running
     * already (the same xid, branch and phase), to answer those BUSY alone. Otherwise answers {@code busy}.
     */
    public <T> T runBatch(List<BranchCall> calls, Function<boolean[], T> work, Function<String, T> busy) {
        boolean[] runningElsewhere = new boolean[calls.size()];
        List<String> mine = new ArrayList<>();
        try {
            for (int i = 0; i < calls.size(); i++) {
                String key = key(calls.get(i));
                runningElsewhere[i] = !running.add(key);
                if (!runningElsewhere[i]) {
                    mine.add(key);
                }
            }
            if (!acquire()) {
                refused.increment();
                return busy.apply(maxConcurrentCalls + " branch calls are running here already; nothing was done, call"
                        + " again later");
            }
            try {
                return work.apply(runningElsewhere);
            } finally {
                places.release();
            }
        } finally {
            mine.forEach(running::remove);
        }
    }

    private static String key(BranchCall call) {
        return call.xid() + " " + call.branchId() + " " + call.phase();
    }

    private boolean acquire() {
        try {
            return places.tryAcquire(busyWait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static String phase(BranchCall call) {
        return call.phase().name().toLowerCase(java.util.Locale.ROOT);
    }

    /** Calls running now. */
    public int running() {
        return running.size();
    }

    /** The xid, branch and phase of each call running now. */
    public Set<String> runningCalls() {
        return Set.copyOf(running);
    }

    /** Calls answered BUSY so far. */
    public long refused() {
        return refused.sum();
    }

    public int maxConcurrentCalls() {
        return maxConcurrentCalls;
    }
}
