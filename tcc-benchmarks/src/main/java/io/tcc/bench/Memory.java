package io.tcc.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Benchmark 4: the order flow at 8 clients for a sustained time, in equal segments; before the first and after each,
 * with no request in flight, each service's heap after a full GC (after one more segment first, which settles the
 * connection and thread pools at 8 clients). A leak shows as heap that grows with the transactions
 * served: the slope of a least-squares line through (transactions so far, heap), in bytes per transaction. The heap
 * after GC also moves for reasons of its own (soft-referenced caches cleared, pools resized), so the slope is judged
 * against its standard error: flat means not significantly above zero.
 */
final class Memory {

    /** Heap after GC of one service, sampled against the transactions served so far: {transactions, bytes}. */
    record Series(String service, List<long[]> samples) {

        double slope() {
            return fit()[0];
        }

        /** Twice the slope's standard error: a growth per transaction this large would stand out of the noise. */
        double noise() {
            return 2 * fit()[1];
        }

        boolean flat() {
            return slope() <= noise();
        }

        /** The least-squares slope and its standard error. */
        private double[] fit() {
            int n = samples.size();
            double mx = samples.stream().mapToLong(s -> s[0]).average().orElse(0);
            double my = samples.stream().mapToLong(s -> s[1]).average().orElse(0);
            double sxy = 0;
            double sxx = 0;
            for (long[] s : samples) {
                sxy += (s[0] - mx) * (s[1] - my);
                sxx += (s[0] - mx) * (s[0] - mx);
            }
            if (n < 3 || sxx == 0) {
                return new double[] {Double.NaN, Double.NaN};
            }
            double slope = sxy / sxx;
            double residuals = 0;
            for (long[] s : samples) {
                double r = s[1] - (my + slope * (s[0] - mx));
                residuals += r * r;
            }
            return new double[] {slope, Math.sqrt(residuals / (n - 2) / sxx)};
        }

        long first() {
            return samples.get(0)[1];
        }

        long last() {
            return samples.get(samples.size() - 1)[1];
        }

        long min() {
            return samples.stream().mapToLong(s -> s[1]).min().orElse(0);
        }

        long max() {
            return samples.stream().mapToLong(s -> s[1]).max().orElse(0);
        }

        long transactions() {
            return samples.get(samples.size() - 1)[0];
        }
    }

    /** Both series, or none when this JDK has no jcmd/jstat; failures in the load, if any. */
    record Result(List<Series> series, Duration duration, long failed, String firstFailure) {
    }

    private Memory() {
    }

    static Result run(long orderPid, long inventoryPid, Load.Operation order, Duration duration, int samples, PrintStream out)
            throws IOException, InterruptedException {
        if (!Heap.available()) {
            out.println("4. memory: not measured, this Java has no jcmd or jstat (a JDK is needed)");
            return new Result(List.of(), duration, 0, null);
        }
        Series orders = new Series("order", new ArrayList<>());
        Series inventory = new Series("inventory", new ArrayList<>());
        long transactions = 0;
        long failed = 0;
        String firstFailure = null;
        // one segment first, not counted: the pools (connections, threads) settle at 8 clients before the first sample
        Load.run(8, duration.dividedBy(samples), order);
        for (int i = 0; i <= samples; i++) {
            if (i > 0) {
                Load.Result segment = Load.run(8, duration.dividedBy(samples), order);
                transactions += segment.ok();
                failed += segment.failed();
                firstFailure = firstFailure != null ? firstFailure : segment.firstFailure();
            }
            orders.samples().add(new long[] {transactions, Heap.usedAfterFullGc(orderPid)});
            inventory.samples().add(new long[] {transactions, Heap.usedAfterFullGc(inventoryPid)});
            out.printf("4. memory: after %,d transactions, heap after full GC: order %,d KiB, inventory %,d KiB%n",
                    transactions, orders.last() >> 10, inventory.last() >> 10);
        }
        return new Result(List.of(orders, inventory), duration, failed, firstFailure);
    }
}
