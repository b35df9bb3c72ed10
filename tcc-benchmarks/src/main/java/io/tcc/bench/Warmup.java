package io.tcc.bench;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * The end-to-end warm-up: windows of baseline and TCC orders at 32 clients, one after the other, until the services'
 * JIT compilers (their C1 and C2 threads) have settled: their CPU below a share of the services' CPU for
 * {@link #SETTLED} windows in a row, or the cap reached. Until then the compilers take CPU the requests lack, more for
 * the side with more code, and the ratios would measure the compiler.
 */
final class Warmup {

    /** Windows in a row below the threshold. */
    static final int SETTLED = 2;

    /** One window: how long, and the compilers' share of the services' CPU in it. */
    record Window(double seconds, double compilerShare) {
    }

    record Result(List<Window> windows, boolean settled, double threshold, Duration cap) {

        Duration elapsed() {
            return Duration.ofMillis((long) (windows.stream().mapToDouble(Window::seconds).sum() * 1000));
        }
    }

    private Warmup() {
    }

    static Result run(Load.Operation baseline, Load.Operation tcc, LongSupplier services, LongSupplier compiler,
                      Duration window, double threshold, Duration cap, PrintStream out) throws InterruptedException {
        List<Window> windows = new ArrayList<>();
        long start = System.nanoTime();
        int below = 0;
        while (below < SETTLED && System.nanoTime() - start < cap.toNanos()) {
            long cpu = services.getAsLong();
            long jit = compiler.getAsLong();
            long began = System.nanoTime();
            Load.run(32, window.dividedBy(2), baseline);
            Load.run(32, window.dividedBy(2), tcc);
            double share = (compiler.getAsLong() - jit) / (double) Math.max(1, services.getAsLong() - cpu);
            windows.add(new Window((System.nanoTime() - began) / 1e9, share));
            below = share < threshold ? below + 1 : 0;
            out.printf("2. warm-up: %.0f s, JIT compilers %.1f %% of the services' CPU in the last window%n",
                    (System.nanoTime() - start) / 1e9, share * 100);
        }
        return new Result(windows, below >= SETTLED, threshold, cap);
    }
}
