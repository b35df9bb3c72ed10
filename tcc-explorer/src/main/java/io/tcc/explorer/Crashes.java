package io.tcc.explorer;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import io.tcc.global.CrashPoints;

/** Kills the initiator of a planned transaction at its planned crash point (its n-th occurrence), and counts it. */
final class Crashes implements CrashPoints {

    private final Map<String, Plan> planned = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> reached = new ConcurrentHashMap<>();
    private final Map<Point, AtomicInteger> counts = new ConcurrentHashMap<>();

    void watch(String xid, Plan plan) {
        if (plan.crash() != null) {
            planned.put(xid, plan);
        }
    }

    @Override
    public void reached(Point point, String xid) {
        Plan plan = planned.get(xid);
        if (plan == null || plan.crash() != point) {
            return;
        }
        if (reached.computeIfAbsent(xid, k -> new AtomicInteger()).incrementAndGet() == plan.crashOccurrence()) {
            planned.remove(xid);
            reached.remove(xid);
            counts.computeIfAbsent(point, k -> new AtomicInteger()).incrementAndGet();
            throw new SimulatedCrash(point, xid);
        }
    }

    Map<Point, Integer> counts() {
        Map<Point, Integer> copy = new EnumMap<>(Point.class);
        counts.forEach((point, n) -> copy.put(point, n.get()));
        return copy;
    }
}
