package io.tcc.explorer;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import io.tcc.global.CrashPoints;
import io.tcc.http.FaultInjector;

/**
 * Draws every transaction's plan from one seed, before anything runs: the same seed gives the same plans, whatever the
 * threads later make of them.
 */
final class Planner {

    static final int SKUS = 64;
    static final long MAX_CLOCK_STEP_MS = 200;
    /** The try's free-text argument: plain, with a NUL inside, or non-ASCII (a character outside the BMP too). */
    static final List<String> NOTES = List.of("plain", "nul\0inside", "Grüße ☃ 𝄞");

    private final SplittableRandom random;
    private final long maxTimeoutMs;
    private final long recoveryMarginMs;

    Planner(long seed, long maxTimeoutMs, long recoveryMarginMs) {
        this.random = new SplittableRandom(seed);
        this.maxTimeoutMs = maxTimeoutMs;
        this.recoveryMarginMs = recoveryMarginMs;
    }

    List<Plan> plans(int count) {
        List<Plan> plans = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            plans.add(plan(i, random.split()));
        }
        return plans;
    }

    private Plan plan(int index, SplittableRandom r) {
        long timeoutMs = 300 + r.nextLong(maxTimeoutMs - 300 + 1);
        int size = chance(r, 0.3) ? 1 : chance(r, 0.57) ? 2 : 3;
        List<Plan.Branch> branches = new ArrayList<>();
        boolean remote = false;
        for (int b = 0; b < size; b++) {
            Plan.Kind kind = Plan.Kind.values()[r.nextInt(3)];
            if (kind == Plan.Kind.REMOTE && remote) {
                kind = r.nextBoolean() ? Plan.Kind.SHARED : Plan.Kind.OWN; // one remote branch at most: its wire faults stay its own
            }
            remote |= kind == Plan.Kind.REMOTE;
            branches.add(branch(kind, r));
        }
        CrashPoints.Point crash = null;
        int occurrence = 1;
        if (chance(r, 0.08)) {
            crash = CrashPoints.Point.values()[r.nextInt(CrashPoints.Point.values().length)];
            occurrence = crash == CrashPoints.Point.AFTER_BRANCH_REGISTERED ? 1 + r.nextInt(size) : 1;
        }
        Plan.Race race = chance(r, 0.10) ? Plan.Race.values()[1 + r.nextInt(3)] : Plan.Race.NONE;
        long raceDelayMs = race == Plan.Race.NONE ? 0 : r.nextLong(timeoutMs + recoveryMarginMs + 300);
        long clockStep = chance(r, 0.2) ? r.nextLong(-MAX_CLOCK_STEP_MS, MAX_CLOCK_STEP_MS + 1) : 0;
        return new Plan(index, timeoutMs, List.copyOf(branches), chance(r, 0.7), chance(r, 0.05), crash, occurrence,
                race, raceDelayMs, clockStep);
    }

    private Plan.Branch branch(Plan.Kind kind, SplittableRandom r) {
        FaultInjector.Kind[] wire = null;
        long delay = 0;
        if (kind == Plan.Kind.REMOTE) {
            wire = new FaultInjector.Kind[3];
            for (int phase = 0; phase < 3; phase++) {
                if (chance(r, 0.25)) {
                    wire[phase] = FaultInjector.Kind.values()[r.nextInt(FaultInjector.Kind.values().length)];
                    if (wire[phase] == FaultInjector.Kind.DELAYED) {
                        delay = 100 + r.nextLong(1400);
                    }
                }
            }
        }
        boolean own = kind == Plan.Kind.OWN;
        String note = chance(r, 0.05) ? NOTES.get(1) : chance(r, 0.05) ? NOTES.get(2) : NOTES.get(0);
        return new Plan.Branch(kind, r.nextInt(SKUS), 1 + r.nextInt(3), fault(r), fault(r), fault(r), wire, delay,
                own && chance(r, 0.15), own && chance(r, 0.10), own && chance(r, 0.05), note);
    }

    private static Plan.Fault fault(SplittableRandom r) {
        double x = r.nextDouble();
        return x < 0.06 ? Plan.Fault.THROW : x < 0.10 ? Plan.Fault.SWALLOW_SQL : x < 0.12 ? Plan.Fault.LOCK_WAIT
                : x < 0.14 ? Plan.Fault.PAST_DEADLINE : Plan.Fault.NONE;
    }

    private static boolean chance(SplittableRandom r, double p) {
        return r.nextDouble() < p;
    }
}
