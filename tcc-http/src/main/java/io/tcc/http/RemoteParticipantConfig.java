package io.tcc.http;

import java.time.Duration;

import io.tcc.Settings;

/**
 * How calls to one remote participant are guarded. A timed-out call may still complete on the participant: that is
 * why a timeout is UNKNOWN, never a failure. Start from {@link #ofDefaults()}, {@link #custom()} or {@link #from}; a
 * wrong value is refused naming its property ({@code tcc.http.remote.*}, or per participant
 * {@code tcc.http.remote.participants.<name>.*}).
 *
 * <p>One phase-two <em>attempt</em> (the initiator's own, or one of recovery's) sends each pending branch up to
 * {@code phaseTwoCalls} HTTP calls, {@code phaseTwoCallBackoff} apart (doubling, with jitter), while they come back
 * unknown, not sent or busy; then the attempt is over and recovery's backoff decides when the next one starts.
 */
public final class RemoteParticipantConfig {

    private static final String KEY = "tcc.http.remote.";
    private static final RemoteParticipantConfig DEFAULTS = new Builder().build();
    private final Duration connectTimeout;
    private final Duration callTimeout;
    private final float failureRateThreshold;
    private final int minimumCalls;
    private final Duration openDuration;
    private final int phaseTwoCalls;
    private final Duration phaseTwoCallBackoff;
    private final int maxConcurrentCalls;
    private final Duration busyWait;
    private final int halfOpenCalls;

    private RemoteParticipantConfig(Builder b) {
        this.connectTimeout = b.connectTimeout;
        this.callTimeout = b.callTimeout;
        this.failureRateThreshold = b.failureRateThreshold;
        this.minimumCalls = b.minimumCalls;
        this.openDuration = b.openDuration;
        this.phaseTwoCalls = b.phaseTwoCalls;
        this.phaseTwoCallBackoff = b.phaseTwoCallBackoff;
        this.maxConcurrentCalls = b.maxConcurrentCalls;
        this.busyWait = b.busyWait;
        this.halfOpenCalls = b.halfOpenCalls;
    }

    public static RemoteParticipantConfig ofDefaults() {
        return DEFAULTS;
    }

    public static Builder custom() {
        return new Builder();
    }

    /** A builder starting from {@code config}'s settings. */
    public static Builder from(RemoteParticipantConfig config) {
        return custom().connectTimeout(config.connectTimeout).callTimeout(config.callTimeout).failureRateThreshold(config.failureRateThreshold).minimumCalls(config.minimumCalls).openDuration(config.openDuration).phaseTwoCalls(config.phaseTwoCalls).phaseTwoCallBackoff(config.phaseTwoCallBackoff).maxConcurrentCalls(config.maxConcurrentCalls).busyWait(config.busyWait).halfOpenCalls(config.halfOpenCalls);
    }

    /**
     * {@code connect-timeout}: how long to wait for a connection (not connected = provably not sent), for the clients
     * {@link RemoteParticipants} makes itself; a group's client has its own ({@code spring.http.serviceclient.*}).
     */
    public Duration connectTimeout() {
        return connectTimeout;
    }

    /** {@code call-timeout}: the time limit of one call, answer included. */
    public Duration callTimeout() {
        return callTimeout;
    }

    /** {@code failure-rate-threshold}: percentage of failed or unknown calls that opens the circuit. */
    public float failureRateThreshold() {
        return failureRateThreshold;
    }

    /** {@code minimum-calls}: calls the circuit breaker needs before judging. */
    public int minimumCalls() {
        return minimumCalls;
    }

    /** {@code open-duration}: how long an open circuit refuses calls before letting probe calls through (half-open). */
    public Duration openDuration() {
        return openDuration;
    }

    /** {@code phase-two-calls}: HTTP calls of one confirm or cancel within one attempt. */
    public int phaseTwoCalls() {
        return phaseTwoCalls;
    }

    /** {@code phase-two-call-backoff}: the first wait between those calls; it doubles, with jitter. */
    public Duration phaseTwoCallBackoff() {
        return phaseTwoCallBackoff;
    }

    /** {@code max-concurrent-calls}: calls to this participant in flight at once from this process (the bulkhead). */
    public int maxConcurrentCalls() {
        return maxConcurrentCalls;
    }

    /** {@code busy-wait}: how long a call waits for a free place in the bulkhead before it is refused, not sent. */
    public Duration busyWait() {
        return busyWait;
    }

    /** {@code half-open-calls}: probe calls a half-open circuit lets through; their failure rate closes or reopens it. */
    public int halfOpenCalls() {
        return halfOpenCalls;
    }

    public static final class Builder {
        private Duration connectTimeout = Duration.ofSeconds(1);
        private Duration callTimeout = Duration.ofSeconds(3);
        private float failureRateThreshold = 50;
        private int minimumCalls = 20;
        private Duration openDuration = Duration.ofSeconds(5);
        private int phaseTwoCalls = 3;
        private Duration phaseTwoCallBackoff = Duration.ofMillis(100);
        private int maxConcurrentCalls = 32;
        private Duration busyWait = Duration.ofSeconds(1);
        private int halfOpenCalls = 5;

        private Builder() {
        }

        public Builder connectTimeout(Duration value) {
            this.connectTimeout = Settings.positive(KEY + "connect-timeout", value);
            return this;
        }

        public Builder callTimeout(Duration value) {
            this.callTimeout = Settings.positive(KEY + "call-timeout", value);
            return this;
        }

        public Builder failureRateThreshold(float value) {
            this.failureRateThreshold = between(KEY + "failure-rate-threshold", value, 0.001f, 100f);
            return this;
        }

        public Builder minimumCalls(int value) {
            this.minimumCalls = Settings.between(KEY + "minimum-calls", value, 1, 10_000);
            return this;
        }

        public Builder openDuration(Duration value) {
            this.openDuration = Settings.positive(KEY + "open-duration", value);
            return this;
        }

        public Builder phaseTwoCalls(int value) {
            this.phaseTwoCalls = Settings.between(KEY + "phase-two-calls", value, 1, 20);
            return this;
        }

        public Builder phaseTwoCallBackoff(Duration value) {
            this.phaseTwoCallBackoff = Settings.positive(KEY + "phase-two-call-backoff", value);
            return this;
        }

        public Builder maxConcurrentCalls(int value) {
            this.maxConcurrentCalls = Settings.between(KEY + "max-concurrent-calls", value, 1, 10_000);
            return this;
        }

        public Builder busyWait(Duration value) {
            this.busyWait = Settings.notNegative(KEY + "busy-wait", value);
            return this;
        }

        public Builder halfOpenCalls(int value) {
            this.halfOpenCalls = Settings.between(KEY + "half-open-calls", value, 1, 1_000);
            return this;
        }

        public RemoteParticipantConfig build() {
            return new RemoteParticipantConfig(this);
        }

        private static float between(String key, float value, float min, float max) {
            if (value < min || value > max) {
                throw new IllegalArgumentException(key + " must be in (0, 100], was " + value);
            }
            return value;
        }
    }
}
