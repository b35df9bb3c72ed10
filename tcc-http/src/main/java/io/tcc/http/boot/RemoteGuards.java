package io.tcc.http.boot;

import java.time.Duration;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.DeprecatedConfigurationProperty;

import io.tcc.http.RemoteParticipantConfig;

/**
 * resilience4j guards for calls to one participant, under {@code tcc.http.remote.*} and
 * {@code tcc.http.remote.participants.<name>.*}. A timed-out call may still complete there: timeout = unknown.
 */
public class RemoteGuards {

    private static final Logger log = LoggerFactory.getLogger(RemoteGuards.class);

    /**
     * How long to wait for a connection; not connected means provably not sent. For the clients TCC makes itself; a
     * participant declared as an HTTP service group takes spring.http.serviceclient.<name>.connect-timeout instead.
     */
    private Duration connectTimeout;

    /** The time limit of one call, answer included. */
    private Duration callTimeout;

    /** Percentage of failed or unknown calls that opens the circuit breaker. */
    private Float failureRateThreshold;

    /** Calls the circuit breaker needs before judging. */
    private Integer minimumCalls;

    /** How long an open circuit refuses calls before it lets half-open-calls probe calls through. */
    private Duration openDuration;

    /** Probe calls a half-open circuit lets through; their failure rate closes it or opens it again. */
    private Integer halfOpenCalls;

    /**
     * HTTP calls a confirm or cancel makes within one phase-two attempt (the initiator's, or one of recovery's)
     * while the outcome is unknown, not sent or busy. An attempt covers up to this many calls per branch.
     */
    private Integer phaseTwoCalls;

    /** The first wait between the calls of one attempt; it doubles, with jitter. */
    private Duration phaseTwoCallBackoff;

    /** Calls to the participant in flight at once from this process (the bulkhead). */
    private Integer maxConcurrentCalls;

    /** How long a call waits for a place in the bulkhead; then it is refused, not sent, and retried later. */
    private Duration busyWait;

    RemoteGuards over(RemoteGuards defaults) {
        RemoteGuards merged = new RemoteGuards();
        merged.connectTimeout = connectTimeout != null ? connectTimeout : defaults.connectTimeout;
        merged.callTimeout = callTimeout != null ? callTimeout : defaults.callTimeout;
        merged.failureRateThreshold = failureRateThreshold != null ? failureRateThreshold : defaults.failureRateThreshold;
        merged.minimumCalls = minimumCalls != null ? minimumCalls : defaults.minimumCalls;
        merged.openDuration = openDuration != null ? openDuration : defaults.openDuration;
        merged.phaseTwoCalls = phaseTwoCalls != null ? phaseTwoCalls : defaults.phaseTwoCalls;
        merged.phaseTwoCallBackoff = phaseTwoCallBackoff != null ? phaseTwoCallBackoff : defaults.phaseTwoCallBackoff;
        merged.maxConcurrentCalls = maxConcurrentCalls != null ? maxConcurrentCalls : defaults.maxConcurrentCalls;
        merged.busyWait = busyWait != null ? busyWait : defaults.busyWait;
        merged.halfOpenCalls = halfOpenCalls != null ? halfOpenCalls : defaults.halfOpenCalls;
        return merged;
    }

    /** These settings, every one of them set. */
    RemoteParticipantConfig toConfig() {
        return RemoteParticipantConfig.custom().connectTimeout(connectTimeout).callTimeout(callTimeout)
                .failureRateThreshold(failureRateThreshold).minimumCalls(minimumCalls).openDuration(openDuration)
                .phaseTwoCalls(phaseTwoCalls).phaseTwoCallBackoff(phaseTwoCallBackoff)
                .maxConcurrentCalls(maxConcurrentCalls).busyWait(busyWait).halfOpenCalls(halfOpenCalls).build();
    }

    public RemoteGuards() {
    }

    static RemoteGuards defaults() {
        RemoteParticipantConfig d = RemoteParticipantConfig.ofDefaults();
        RemoteGuards g = new RemoteGuards();
        g.connectTimeout = d.connectTimeout();
        g.callTimeout = d.callTimeout();
        g.failureRateThreshold = d.failureRateThreshold();
        g.minimumCalls = d.minimumCalls();
        g.openDuration = d.openDuration();
        g.phaseTwoCalls = d.phaseTwoCalls();
        g.phaseTwoCallBackoff = d.phaseTwoCallBackoff();
        g.maxConcurrentCalls = d.maxConcurrentCalls();
        g.busyWait = d.busyWait();
        g.halfOpenCalls = d.halfOpenCalls();
        return g;
    }

    public Duration getConnectTimeout() {
        return connectTimeout;
    }

    public void setConnectTimeout(Duration connectTimeout) {
        this.connectTimeout = connectTimeout;
    }

    public Duration getCallTimeout() {
        return callTimeout;
    }

    public void setCallTimeout(Duration callTimeout) {
        this.callTimeout = callTimeout;
    }

    public Float getFailureRateThreshold() {
        return failureRateThreshold;
    }

    public void setFailureRateThreshold(Float failureRateThreshold) {
        this.failureRateThreshold = failureRateThreshold;
    }

    public Integer getMinimumCalls() {
        return minimumCalls;
    }

    public void setMinimumCalls(Integer minimumCalls) {
        this.minimumCalls = minimumCalls;
    }

    public Duration getOpenDuration() {
        return openDuration;
    }

    public void setOpenDuration(Duration openDuration) {
        this.openDuration = openDuration;
    }

    public Integer getPhaseTwoCalls() {
        return phaseTwoCalls;
    }

    public void setPhaseTwoCalls(Integer phaseTwoCalls) {
        this.phaseTwoCalls = phaseTwoCalls;
    }

    public Duration getPhaseTwoCallBackoff() {
        return phaseTwoCallBackoff;
    }

    public void setPhaseTwoCallBackoff(Duration phaseTwoCallBackoff) {
        this.phaseTwoCallBackoff = phaseTwoCallBackoff;
    }

    /** @deprecated it counted calls, not attempts: use phase-two-calls */
    @Deprecated
    @DeprecatedConfigurationProperty(replacement = "tcc.http.remote.phase-two-calls",
            reason = "it counts the HTTP calls within one attempt, not attempts")
    public Integer getPhaseTwoAttempts() {
        return phaseTwoCalls;
    }

    @Deprecated
    public void setPhaseTwoAttempts(Integer phaseTwoAttempts) {
        log.warn("tcc.http.remote...phase-two-attempts is deprecated: it counts the HTTP calls of one phase-two attempt,"
                + " so it is now phase-two-calls; {} is used as phase-two-calls", phaseTwoAttempts);
        this.phaseTwoCalls = phaseTwoAttempts;
    }

    /** @deprecated use phase-two-call-backoff */
    @Deprecated
    @DeprecatedConfigurationProperty(replacement = "tcc.http.remote.phase-two-call-backoff",
            reason = "it is the wait between the calls of one attempt")
    public Duration getRetryBackoff() {
        return phaseTwoCallBackoff;
    }

    @Deprecated
    public void setRetryBackoff(Duration retryBackoff) {
        log.warn("tcc.http.remote...retry-backoff is deprecated: it is the wait between the calls of one phase-two"
                + " attempt, now phase-two-call-backoff; {} is used as phase-two-call-backoff", retryBackoff);
        this.phaseTwoCallBackoff = retryBackoff;
    }

    public Integer getMaxConcurrentCalls() {
        return maxConcurrentCalls;
    }

    public void setMaxConcurrentCalls(Integer maxConcurrentCalls) {
        this.maxConcurrentCalls = maxConcurrentCalls;
    }

    public Duration getBusyWait() {
        return busyWait;
    }

    public void setBusyWait(Duration busyWait) {
        this.busyWait = busyWait;
    }

    public Integer getHalfOpenCalls() {
        return halfOpenCalls;
    }

    public void setHalfOpenCalls(Integer halfOpenCalls) {
        this.halfOpenCalls = halfOpenCalls;
    }
}
