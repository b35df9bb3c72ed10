package io.tcc.test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A clock a test moves forward by hand, so that a deadline or a cache's age passes without the test waiting for it.
 * {@link #running()} keeps pace with the system clock and is ahead of it by what {@link #advance} added (a component
 * wired for a whole test class still sees time flow); {@link #stopped()} stands still between advances (a test that
 * must know exactly how much time passed). Safe to read and move from several threads.
 */
public final class TestClock extends Clock {

    private final Clock base;
    private final AtomicReference<Duration> ahead = new AtomicReference<>(Duration.ZERO);

    private TestClock(Clock base) {
        this.base = base;
    }

    /** The system's time, plus what {@link #advance} added. */
    public static TestClock running() {
        return new TestClock(Clock.systemUTC());
    }

    /** The system's time at this call, changed only by {@link #advance}. */
    public static TestClock stopped() {
        return new TestClock(Clock.fixed(Instant.now(), ZoneOffset.UTC));
    }

    /** Moves the clock forward by {@code step}; returns the new time. */
    public Instant advance(Duration step) {
        if (step.isNegative()) {
            throw new IllegalArgumentException("a test clock only moves forward, not by " + step);
        }
        ahead.updateAndGet(d -> d.plus(step));
        return instant();
    }

    /** Back to the base clock's time: between tests, for a component wired once for a whole test class. */
    public void reset() {
        ahead.set(Duration.ZERO);
    }

    @Override
    public Instant instant() {
        return base.instant().plus(ahead.get());
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        throw new UnsupportedOperationException("a test clock is always UTC");
    }
}
