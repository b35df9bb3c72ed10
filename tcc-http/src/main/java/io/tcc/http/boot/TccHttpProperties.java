package io.tcc.http.boot;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.DeprecatedConfigurationProperty;

import io.tcc.http.RemoteParticipantConfig;

/** Settings of TCC over HTTP, under {@code tcc.http.*}. */
@ConfigurationProperties("tcc.http")
public class TccHttpProperties {

    private static final Logger log = LoggerFactory.getLogger(TccHttpProperties.class);

    private final Signing signing = new Signing();
    private final Participant participant = new Participant();
    private final Remote remote = new Remote();
    private final Faults faults = new Faults();

    public Signing getSigning() {
        return signing;
    }

    public Participant getParticipant() {
        return participant;
    }

    public Remote getRemote() {
        return remote;
    }

    public Faults getFaults() {
        return faults;
    }

    /** HMAC signatures on every branch call, made by initiators and checked by participants. */
    public static class Signing {

        /** Sign and check branch calls; turn off only on a network where every caller is trusted. */
        private boolean enabled = true;

        /** The secret initiators and participants share (at least 16 bytes). Required while signing is enabled. */
        private String secret;

        /** How far a request's signing time may be from the participant's clock; older requests are replays. */
        private Duration window = Duration.ofSeconds(60);

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public String getSecret() {
            return secret;
        }

        public void setSecret(String secret) {
            this.secret = secret;
        }

        public Duration getWindow() {
            return window;
        }

        public void setWindow(Duration window) {
            this.window = window;
        }
    }

    /** The endpoints this service offers as a participant. */
    public static class Participant {

        /** Serve POST /tcc/{action}/{try|confirm|cancel} for this service's actions. */
        private boolean enabled = true;

        /** The largest request body accepted, in bytes. */
        private int maxBodyBytes = 64 * 1024;

        /**
         * Branch calls that run at once; one more waits up to busy-wait for a place, then is answered 503 BUSY having
         * done nothing. Keep it at or below the connection pool's size, so calls do not also queue for connections.
         */
        private int maxConcurrentCalls = 10;

        /** How long a branch call waits for a place before it is answered BUSY. */
        private Duration busyWait = Duration.ofSeconds(1);

        public int getMaxConcurrentCalls() {
            return maxConcurrentCalls;
        }

        public void setMaxConcurrentCalls(int maxConcurrentCalls) {
            this.maxConcurrentCalls = maxConcurrentCalls;
        }

        public Duration getBusyWait() {
            return busyWait;
        }

        public void setBusyWait(Duration busyWait) {
            this.busyWait = busyWait;
        }

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public int getMaxBodyBytes() {
            return maxBodyBytes;
        }

        public void setMaxBodyBytes(int maxBodyBytes) {
            this.maxBodyBytes = maxBodyBytes;
        }
    }

    /** Guards on calls to remote participants: defaults, and overrides per participant name. */
    public static class Remote extends Guards {

        /** Overrides by participant name, for example tcc.http.remote.participants.inventory.call-timeout=5s. */
        private final Map<String, Guards> participants = new LinkedHashMap<>();

        public Remote() {
            Guards d = defaults();
            setConnectTimeout(d.getConnectTimeout());
            setCallTimeout(d.getCallTimeout());
            setFailureRateThreshold(d.getFailureRateThreshold());
            setMinimumCalls(d.getMinimumCalls());
            setOpenDuration(d.getOpenDuration());
            setPhaseTwoCalls(d.getPhaseTwoCalls());
            setPhaseTwoCallBackoff(d.getPhaseTwoCallBackoff());
            setMaxConcurrentCalls(d.getMaxConcurrentCalls());
            setBusyWait(d.getBusyWait());
            setHalfOpenCalls(d.getHalfOpenCalls());
        }

        public Map<String, Guards> getParticipants() {
            return participants;
        }

        /** The guards for one participant: its overrides over these defaults. */
        public RemoteParticipantConfig forParticipant(String name) {
            Guards own = participants.get(name);
            Guards g = own == null ? this : own.over(this);
            return new RemoteParticipantConfig(g.connectTimeout, g.callTimeout, g.failureRateThreshold, g.minimumCalls,
                    g.openDuration, g.phaseTwoCalls, g.phaseTwoCallBackoff, g.maxConcurrentCalls, g.busyWait,
                    g.halfOpenCalls);
        }
    }

    /** resilience4j guards for calls to one participant. A timed-out call may still complete there: timeout = unknown. */
    public static class Guards {

        /** How long to wait for a connection; not connected means provably not sent. */
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

        Guards over(Guards defaults) {
            Guards merged = new Guards();
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

        public Guards() {
        }

        static Guards defaults() {
            RemoteParticipantConfig d = RemoteParticipantConfig.ofDefaults();
            Guards g = new Guards();
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

    /** QA's fault injection: off, and refused, unless enabled. */
    public static class Faults {

        /** Allow fault rules on this service's calls to participants. Never in production. */
        private boolean enabled = false;

        /** The random seed for probabilistic rules, so a run can be replayed. */
        private long seed = 1;

        /** The bearer token the admin endpoint /tcc/admin/faults requires (at least 16 characters). */
        private String adminToken;

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public long getSeed() {
            return seed;
        }

        public void setSeed(long seed) {
            this.seed = seed;
        }

        public String getAdminToken() {
            return adminToken;
        }

        public void setAdminToken(String adminToken) {
            this.adminToken = adminToken;
        }
    }
}
