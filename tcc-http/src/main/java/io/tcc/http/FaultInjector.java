package io.tcc.http;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.tcc.fence.FencePhase;

/**
 * Named faults on the path from this initiator to its participants, for QA: a request lost (never delivered, the caller
 * times out), a response lost (the participant acted, the caller times out), a request delayed (delivered late, for
 * example after its cancel, while the caller timed out), an error (the participant answers 5xx without acting).
 *
 * <p>Off unless constructed enabled; a disabled injector refuses every rule. Rules are scoped by participant, action
 * and phase (null matches any) and fire a number of times or with a probability, drawn from a seeded random so a run
 * can be replayed.
 */
public final class FaultInjector {

    public enum Kind { REQUEST_LOST, RESPONSE_LOST, DELAYED, ERROR }

    /**
     * @param times       how many calls it hits; 0 for no limit
     * @param probability the chance it hits a matching call, in (0, 1]
     * @param delayMillis for DELAYED: how late the request is delivered
     */
    public record Rule(String participant, String action, FencePhase phase, Kind kind, int times, double probability,
                       long delayMillis) {
        public Rule {
            Objects.requireNonNull(kind, "kind");
            if (times < 0) {
                throw new IllegalArgumentException("times must be 0 (no limit) or positive, was " + times);
            }
            if (!(probability > 0 && probability <= 1)) {
                throw new IllegalArgumentException("probability must be in (0, 1], was " + probability);
            }
            if (kind == Kind.DELAYED ? delayMillis <= 0 || delayMillis > 600_000 : delayMillis != 0) {
                throw new IllegalArgumentException("delayMillis must be 1..600000 for DELAYED and 0 otherwise, was " + delayMillis);
            }
        }

        /** A fault hitting the next {@code times} matching calls. */
        public static Rule times(String participant, String action, FencePhase phase, Kind kind, int times) {
            return new Rule(participant, action, phase, kind, times, 1.0, 0);
        }

        public static Rule delayed(String participant, String action, FencePhase phase, long delayMillis, int times) {
            return new Rule(participant, action, phase, Kind.DELAYED, times, 1.0, delayMillis);
        }

        boolean matches(String participant, String action, FencePhase phase) {
            return (this.participant == null || this.participant.equals(participant))
                    && (this.action == null || this.action.equals(action))
                    && (this.phase == null || this.phase == phase);
        }
    }

    private record Armed(int id, Rule rule, AtomicInteger left) {
    }

    private final boolean enabled;
    private final Random random;
    private final List<Armed> rules = new ArrayList<>();
    private final Map<FencePhase, Map<Kind, AtomicLong>> injected = new EnumMap<>(FencePhase.class);
    private int nextId = 1;

    public FaultInjector(boolean enabled, long seed) {
        this.enabled = enabled;
        this.random = new Random(seed);
        for (FencePhase phase : FencePhase.values()) {
            Map<Kind, AtomicLong> counts = new EnumMap<>(Kind.class);
            for (Kind kind : Kind.values()) {
                counts.put(kind, new AtomicLong());
            }
            injected.put(phase, counts);
        }
    }

    /** An injector that refuses every rule: what production runs with. */
    public static FaultInjector disabled() {
        return new FaultInjector(false, 0);
    }

    public boolean enabled() {
        return enabled;
    }

    /** @return the rule's id, to remove it later */
    public synchronized int add(Rule rule) {
        if (!enabled) {
            throw new IllegalStateException("fault injection is disabled; enable it explicitly (tcc.http.faults.enabled=true)"
                    + " on a test or staging service, never in production");
        }
        int id = nextId++;
        rules.add(new Armed(id, rule, new AtomicInteger(rule.times() == 0 ? Integer.MAX_VALUE : rule.times())));
        return id;
    }

    public synchronized boolean remove(int id) {
        return rules.removeIf(armed -> armed.id() == id);
    }

    public synchronized void clear() {
        rules.clear();
    }

    public synchronized Map<Integer, Rule> rules() {
        Map<Integer, Rule> view = new java.util.LinkedHashMap<>();
        rules.forEach(armed -> view.put(armed.id(), armed.rule()));
        return view;
    }

    /** How many faults of each kind were injected so far. */
    public Map<Kind, Long> injected() {
        Map<Kind, Long> counts = new EnumMap<>(Kind.class);
        injected.values().forEach(byKind -> byKind.forEach((kind, count) -> counts.merge(kind, count.get(), Long::sum)));
        return counts;
    }

    /** How many faults of each kind were injected so far into the calls of each phase. */
    public Map<FencePhase, Map<Kind, Long>> injectedByPhase() {
        Map<FencePhase, Map<Kind, Long>> counts = new EnumMap<>(FencePhase.class);
        injected.forEach((phase, byKind) -> {
            Map<Kind, Long> copy = new EnumMap<>(Kind.class);
            byKind.forEach((kind, count) -> copy.put(kind, count.get()));
            counts.put(phase, copy);
        });
        return counts;
    }

    /** The fault to inject into this call, or null. */
    synchronized Rule pick(String participant, String action, FencePhase phase) {
        for (Armed armed : rules) {
            if (armed.rule().matches(participant, action, phase) && armed.left().get() > 0
                    && (armed.rule().probability() >= 1 || random.nextDouble() < armed.rule().probability())) {
                if (armed.left().decrementAndGet() == 0) {
                    rules.remove(armed);
                }
                injected.get(phase).get(armed.rule().kind()).incrementAndGet();
                return armed.rule();
            }
        }
        return null;
    }
}
