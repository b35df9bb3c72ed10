package io.tcc.http;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;

/**
 * A warning that anyone can provoke (an unsigned call, say), logged at most once per interval with how many happened
 * since the line before, and counted in full for a metric: a flood of them cannot fill the log.
 */
final class ThrottledWarning {

    private final Logger log;
    private final long intervalNanos;
    private final AtomicLong total = new AtomicLong();
    private final AtomicLong unlogged = new AtomicLong();
    private final AtomicLong nextLine = new AtomicLong(System.nanoTime());

    ThrottledWarning(Logger log, Duration interval) {
        this.log = log;
        this.intervalNanos = interval.toNanos();
    }

    /** Counts one; logs {@code message} (an SLF4J format, its arguments after) when the interval has passed. */
    void record(String message, Object... arguments) {
        total.incrementAndGet();
        long now = System.nanoTime();
        long next = nextLine.get();
        if (now - next < 0 || !nextLine.compareAndSet(next, now + intervalNanos)) {
            unlogged.incrementAndGet();
            return;
        }
        long skipped = unlogged.getAndSet(0);
        if (log.isWarnEnabled()) {
            log.warn(message + (skipped == 0 ? "" : " (and " + skipped + " more like it since the last such line)"),
                    arguments);
        }
    }

    /** Every one recorded, logged or not. */
    long total() {
        return total.get();
    }
}
