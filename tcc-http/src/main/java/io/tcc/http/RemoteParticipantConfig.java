package io.tcc.http;

import java.time.Duration;
import java.util.Objects;

/**
 * How calls to one remote participant are guarded. A timed-out call may still complete on the participant: that is
 * why a timeout is UNKNOWN, never a failure.
 *
 * @param connectTimeout       how long to wait for a connection (not connected = provably not sent)
 * @param callTimeout          the time limit of one call, answer included
 * @param failureRateThreshold percentage of failed or unknown calls that opens the circuit
 * @param minimumCalls         calls the circuit breaker needs before judging
 * @param openDuration         how long an open circuit refuses calls before letting a few through
 * @param phaseTwoAttempts     attempts of a confirm or cancel before it is left to recovery
 * @param retryBackoff         the first wait between attempts; it doubles, with jitter
 */
public record RemoteParticipantConfig(Duration connectTimeout, Duration callTimeout, float failureRateThreshold,
                                      int minimumCalls, Duration openDuration, int phaseTwoAttempts, Duration retryBackoff) {

    public RemoteParticipantConfig {
        positive("connectTimeout", connectTimeout);
        positive("callTimeout", callTimeout);
        positive("openDuration", openDuration);
        positive("retryBackoff", retryBackoff);
        if (failureRateThreshold <= 0 || failureRateThreshold > 100) {
            throw new IllegalArgumentException("failureRateThreshold must be in (0, 100], was " + failureRateThreshold);
        }
        if (minimumCalls < 1) {
            throw new IllegalArgumentException("minimumCalls must be at least 1, was " + minimumCalls);
        }
        if (phaseTwoAttempts < 1 || phaseTwoAttempts > 20) {
            throw new IllegalArgumentException("phaseTwoAttempts must be between 1 and 20, was " + phaseTwoAttempts);
        }
    }

    public static RemoteParticipantConfig ofDefaults() {
        return new RemoteParticipantConfig(Duration.ofSeconds(1), Duration.ofSeconds(3), 50, 20, Duration.ofSeconds(5), 3,
                Duration.ofMillis(100));
    }

    public RemoteParticipantConfig withCallTimeout(Duration callTimeout) {
        return new RemoteParticipantConfig(connectTimeout, callTimeout, failureRateThreshold, minimumCalls, openDuration,
                phaseTwoAttempts, retryBackoff);
    }

    private static void positive(String name, Duration value) {
        Objects.requireNonNull(value, name);
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, was " + value);
        }
    }
}
