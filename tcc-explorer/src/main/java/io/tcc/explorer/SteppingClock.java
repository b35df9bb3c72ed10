package io.tcc.explorer;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/** The initiator's clock: the system's, stepped by the plans within the clock-skew margin. */
final class SteppingClock extends Clock {

    private final AtomicLong offsetMs = new AtomicLong();

    void step(long toOffsetMs) {
        offsetMs.set(toOffsetMs);
    }

    @Override
    public Instant instant() {
        return Instant.now().plusMillis(offsetMs.get());
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        throw new UnsupportedOperationException("the explorer's clock is UTC only");
    }
}
