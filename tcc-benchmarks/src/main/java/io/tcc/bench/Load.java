package io.tcc.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

/** N threads calling one operation back to back for a fixed time: how many succeeded, how long each took. */
final class Load {

    /** One operation, by the thread's number; an exception is a failure. */
    interface Operation {
        void run(int thread) throws Exception;
    }

    /** What one load produced; latencies of the successful operations, sorted, in nanoseconds. */
    record Result(int threads, long ok, long failed, String firstFailure, double seconds, long[] latencies) {

        double perSecond() {
            return ok / seconds;
        }

        double millisAt(double percentile) {
            if (latencies.length == 0) {
                return Double.NaN;
            }
            int index = (int) Math.ceil(percentile / 100 * latencies.length) - 1;
            return latencies[Math.max(0, Math.min(latencies.length - 1, index))] / 1e6;
        }

        /** Several results of one kind as one: their operations, failures, time and latencies pooled. */
        static Result pooled(List<Result> results) {
            long[] all = results.stream().flatMapToLong(r -> Arrays.stream(r.latencies())).sorted().toArray();
            return new Result(results.get(0).threads(), results.stream().mapToLong(Result::ok).sum(),
                    results.stream().mapToLong(Result::failed).sum(),
                    results.stream().map(Result::firstFailure).filter(f -> f != null).findFirst().orElse(null),
                    results.stream().mapToDouble(Result::seconds).sum(), all);
        }
    }

    private Load() {
    }

    static Result run(int threads, Duration duration, Operation operation) throws InterruptedException {
        CountDownLatch ready = new CountDownLatch(threads);
        CountDownLatch go = new CountDownLatch(1);
        AtomicReference<String> firstFailure = new AtomicReference<>();
        long[][] latencies = new long[threads][];
        long[] failures = new long[threads];
        List<Thread> workers = new ArrayList<>();
        long[] stopAt = new long[1];
        for (int t = 0; t < threads; t++) {
            int thread = t;
            Thread worker = new Thread(() -> {
                long[] times = new long[1024];
                int n = 0;
                ready.countDown();
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                while (System.nanoTime() < stopAt[0]) {
                    long start = System.nanoTime();
                    try {
                        operation.run(thread);
                    } catch (Exception e) {
                        failures[thread]++;
                        firstFailure.compareAndSet(null, e.toString());
                        continue;
                    }
                    if (n == times.length) {
                        times = Arrays.copyOf(times, n * 2);
                    }
                    times[n++] = System.nanoTime() - start;
                }
                latencies[thread] = Arrays.copyOf(times, n);
            }, "load-" + t);
            workers.add(worker);
            worker.start();
        }
        ready.await();
        long started = System.nanoTime();
        stopAt[0] = started + duration.toNanos();
        go.countDown();
        for (Thread worker : workers) {
            worker.join();
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        long[] all = Arrays.stream(latencies).flatMapToLong(Arrays::stream).sorted().toArray();
        return new Result(threads, all.length, Arrays.stream(failures).sum(), firstFailure.get(), seconds, all);
    }
}
