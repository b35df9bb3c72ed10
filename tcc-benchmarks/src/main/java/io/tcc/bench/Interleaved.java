package io.tcc.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * A baseline and a subject measured in alternating rounds of the same length, in the order ABBA ABBA..., so that
 * whatever drifts during the run (the machine's other load, a growing table, the JIT) weighs on both alike. Throughput
 * is the median of the rounds; latencies are pooled over them; CPU is what each meter (a group of processes) counted
 * during each side's rounds.
 */
final class Interleaved {

    /** One side's rounds and, per meter, the CPU time spent during them. */
    record Side(List<Load.Result> rounds, long[] cpuNanos) {

        double medianPerSecond() {
            double[] rates = rounds.stream().mapToDouble(Load.Result::perSecond).sorted().toArray();
            int n = rates.length;
            return n % 2 == 1 ? rates[n / 2] : (rates[n / 2 - 1] + rates[n / 2]) / 2;
        }

        Load.Result pooled() {
            return Load.Result.pooled(rounds);
        }

        double cpuMillisPerOperation(int meter) {
            return cpuNanos[meter] / 1e6 / pooled().ok();
        }

        /** What a meter that counts something other than CPU (commits, say) counted per operation. */
        double perOperation(int meter) {
            return cpuNanos[meter] / (double) pooled().ok();
        }

        /** How many cores the meter's processes kept busy on average during the rounds. */
        double cores(int meter) {
            return cpuNanos[meter] / 1e9 / pooled().seconds();
        }
    }

    record Outcome(int threads, Side baseline, Side subject) {
        double ratio() {
            return subject.medianPerSecond() / baseline.medianPerSecond();
        }
    }

    private Interleaved() {
    }

    /**
     * @param meters each the CPU time, in nanoseconds, that a group of processes has spent so far
     */
    static Outcome run(int threads, Duration round, int rounds, Load.Operation baseline, Load.Operation subject,
                       LongSupplier... meters) throws InterruptedException {
        List<Side> sides = run(threads, round, rounds, List.of(baseline, subject), meters);
        return new Outcome(threads, sides.get(0), sides.get(1));
    }

    /**
     * Any number of sides, in the order A B C C B A ... (ABBA for two); each side's CPU is what every meter counted
     * during that side's rounds.
     *
     * @param meters each a counter that only grows: CPU time in nanoseconds, or anything else counted so far
     */
    static List<Side> run(int threads, Duration round, int rounds, List<Load.Operation> sides, LongSupplier... meters)
            throws InterruptedException {
        int n = sides.size();
        List<List<Load.Result>> results = new ArrayList<>();
        sides.forEach(side -> results.add(new ArrayList<>()));
        long[][] counted = new long[n][meters.length];
        for (int r = 0; r < rounds * n; r++) {
            int place = r % (2 * n);
            int side = place < n ? place : 2 * n - 1 - place;
            long[] before = read(meters);
            Load.Result result = Load.run(threads, round, sides.get(side));
            long[] after = read(meters);
            for (int m = 0; m < meters.length; m++) {
                counted[side][m] += after[m] - before[m];
            }
            results.get(side).add(result);
        }
        List<Side> measured = new ArrayList<>();
        for (int side = 0; side < n; side++) {
            measured.add(new Side(results.get(side), counted[side]));
        }
        return measured;
    }

    private static long[] read(LongSupplier[] meters) {
        long[] values = new long[meters.length];
        for (int m = 0; m < meters.length; m++) {
            values[m] = meters[m].getAsLong();
        }
        return values;
    }
}
