package io.tcc.bench;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * A warm-up: windows of the baseline and the subject, half a window each, until the JIT compilers (C1 and C2 threads)
 * of the JVMs that serve them have settled: their CPU below a share of those JVMs' CPU for {@link #SETTLED} windows in
 * a row, or the cap reached. Until then the compilers take CPU the work lacks, more for the side with more code, and
 * the ratios would measure the compiler.
 */
final class Warmup {

    /** Windows in a row below the threshold. */
    static final int SETTLED = 2;

    /** One window: how long, and the compilers' share of the services' CPU in it. */
    record Window(double seconds, double compilerShare) {
    }

    record Result(int threads, List<Window> windows, boolean settled, double threshold, Duration cap) {

        Duration elapsed() {
            return Duration.ofMillis((long) (windows.stream().mapToDouble(Window::seconds).sum() * 1000));
        }
    }

    private Warmup() {
    }

    /**
     * @param cpu      the CPU time the JVMs doing the work have spent so far, in nanoseconds
     * @param compiler the part of it their compiler threads spent
     */
    static Result run(String what, int threads, Load.Operation baseline, Load.Operation subject, LongSupplier cpu,
                      LongSupplier compiler, Duration window, double threshold, Duration cap, PrintStream out)
            throws InterruptedException {
        List<Window> windows = new ArrayList<>();
        long start = System.nanoTime();
        int below = 0;
        while (below < SETTLED && System.nanoTime() - start < cap.toNanos()) {
            long spent = cpu.getAsLong();
            long jit = compiler.getAsLong();
            long began = System.nanoTime();
            Load.run(threads, window.dividedBy(2), baseline);
            Load.run(threads, window.dividedBy(2), subject);
            double share = (compiler.getAsLong() - jit) / (double) Math.max(1, cpu.getAsLong() - spent);
            windows.add(new Window((System.nanoTime() - began) / 1e9, share));
            below = share < threshold ? below + 1 : 0;
            out.printf("%s warm-up: %.0f s, JIT compilers %.1f %% of the CPU in the last window%n", what,
                    (System.nanoTime() - start) / 1e9, share * 100);
        }
        return new Result(threads, windows, below >= SETTLED, threshold, cap);
    }
}
