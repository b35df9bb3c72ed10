package io.tcc.http;

import java.time.Duration;
import java.util.Objects;

/**
 * How calls to one remote participant are guarded. A timed-out call may still complete on the participant: that is
 * why a timeout is UNKNOWN, never a failure.
 *
 * <p>One phase-two <em>attempt</em> (the initiator's own, or one of recovery's) sends each pending branch up to
 * {@code phaseTwoCalls} HTTP calls, {@code phaseTwoCallBackoff} apart (doubling, with jitter), while they come back
 * unknown, not sent or busy; then the attempt is over and recovery's backoff decides when the next one starts.
 *
 * @param connectTimeout       how long to wait for a connection (not connected = provably not sent)
 * @param callTimeout          the time limit of one call, answer included
 * @param failureRateThreshold percentage of failed or unknown calls that opens the circuit
 * @param minimumCalls         calls the circuit breaker needs before judging
 * @param openDuration         how long an open circuit refuses calls before letting probe calls through (half-open)
 * @param phaseTwoCalls        HTTP calls of one confirm or cancel within one attempt
 * @param phaseTwoCallBackoff  the first wait between those calls; it doubles, with jitter
 * @param maxConcurrentCalls   calls to this participant in flight at once from this process (the bulkhead)
 * @param busyWait             how long a call waits for a free place in the bulkhead before it is refused, not sent
 * @param halfOpenCalls        probe calls a half-open circuit lets through; their failure rate closes or reopens it
 */
public record RemoteParticipantConfig(Duration connectTimeout, Duration callTimeout, float failureRateThreshold,
                                      int minimumCalls, Duration openDuration, int phaseTwoCalls,
                                      Duration phaseTwoCallBackoff, int maxConcurrentCalls, Duration busyWait,
                                      int halfOpenCalls) {

    public static final int DEFAULT_MAX_CONCURRENT_CALLS = 32;
    public static final Duration DEFAULT_BUSY_WAIT = Duration.ofSeconds(1);
    public static final int DEFAULT_HALF_OPEN_CALLS = 5;

    public RemoteParticipantConfig {
        positive("connectTimeout", connectTimeout);
        positive("callTimeout", callTimeout);
        positive("openDuration", openDuration);
        positive("phaseTwoCallBackoff", phaseTwoCallBackoff);
        Objects.requireNonNull(busyWait, "busyWait");
        if (busyWait.isNegative()) {
            throw new IllegalArgumentException("busyWait must not be negative, was " + busyWait);
        }
        if (failureRateThreshold <= 0 || failureRateThreshold > 100) {
            throw new IllegalArgumentException("failureRateThreshold must be in (0, 100], was " + failureRateThreshold);
        }
        if (minimumCalls < 1) {
            throw new IllegalArgumentException("minimumCalls must be at least 1, was " + minimumCalls);
        }
        if (phaseTwoCalls < 1 || phaseTwoCalls > 20) {
            throw new IllegalArgumentException("phaseTwoCalls must be between 1 and 20, was " + phaseTwoCalls);
        }
        if (maxConcurrentCalls < 1) {
            throw new IllegalArgumentException("maxConcurrentCalls must be at least 1, was " + maxConcurrentCalls);
        }
        if (halfOpenCalls < 1) {
            throw new IllegalArgumentException("halfOpenCalls must be at least 1, was " + halfOpenCalls);
        }
    }

    /** The guards without a bulkhead setting of their own: the defaults for concurrency and half-open probes. */
    public RemoteParticipantConfig(Duration connectTimeout, Duration callTimeout, float failureRateThreshold,
                                   int minimumCalls, Duration openDuration, int phaseTwoCalls, Duration phaseTwoCallBackoff) {
        this(connectTimeout, callTimeout, failureRateThreshold, minimumCalls, openDuration, phaseTwoCalls,
                phaseTwoCallBackoff, DEFAULT_MAX_CONCURRENT_CALLS, DEFAULT_BUSY_WAIT, DEFAULT_HALF_OPEN_CALLS);
    }

    public static RemoteParticipantConfig ofDefaults() {
        return new RemoteParticipantConfig(Duration.ofSeconds(1), Duration.ofSeconds(3), 50, 20, Duration.ofSeconds(5), 3,
                Duration.ofMillis(100));
    }

    public RemoteParticipantConfig withCallTimeout(Duration callTimeout) {
        return new RemoteParticipantConfig(connectTimeout, callTimeout, failureRateThreshold, minimumCalls, openDuration,
                phaseTwoCalls, phaseTwoCallBackoff, maxConcurrentCalls, busyWait, halfOpenCalls);
    }

    private static void positive(String name, Duration value) {
        Objects.requireNonNull(value, name);
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, was " + value);
        }
    }
}
