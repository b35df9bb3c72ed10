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
        List<Load.Result> base = new ArrayList<>();
        List<Load.Result> subj = new ArrayList<>();
        long[][] cpu = new long[2][meters.length];
        for (int r = 0; r < rounds * 2; r++) {
            int side = r % 4 == 0 || r % 4 == 3 ? 0 : 1;
            long[] before = read(meters);
            Load.Result result = Load.run(threads, round, side == 0 ? baseline : subject);
            long[] after = read(meters);
            for (int m = 0; m < meters.length; m++) {
                cpu[side][m] += after[m] - before[m];
            }
            (side == 0 ? base : subj).add(result);
        }
        return new Outcome(threads, new Side(base, cpu[0]), new Side(subj, cpu[1]));
    }

    private static long[] read(LongSupplier[] meters) {
        long[] values = new long[meters.length];
        for (int m = 0; m < meters.length; m++) {
            values[m] = meters[m].getAsLong();
        }
        return values;
    }
}
