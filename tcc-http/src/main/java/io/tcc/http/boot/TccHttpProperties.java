package io.tcc.http.boot;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;

import io.tcc.http.RemoteParticipantConfig;

/** Settings of TCC over HTTP, under {@code tcc.http.*}. */
@ConfigurationProperties("tcc.http")
public class TccHttpProperties {

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
         * How long reading one authenticated body may take; a slower one is refused (400 BODY_INCOMPLETE). Checked
         * between reads, so it may overshoot by one socket read timeout (server.tomcat.connection-timeout).
         */
        private Duration bodyReadTimeout = Duration.ofSeconds(5);

        /** The shortest time between two log lines about refused unauthenticated calls; all are counted. */
        private Duration refusalLogInterval = Duration.ofSeconds(60);

        public Duration getBodyReadTimeout() {
            return bodyReadTimeout;
        }

        public void setBodyReadTimeout(Duration bodyReadTimeout) {
            this.bodyReadTimeout = bodyReadTimeout;
        }

        public Duration getRefusalLogInterval() {
            return refusalLogInterval;
        }

        public void setRefusalLogInterval(Duration refusalLogInterval) {
            this.refusalLogInterval = refusalLogInterval;
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
            setPhaseTwoAttempts(d.getPhaseTwoAttempts());
            setRetryBackoff(d.getRetryBackoff());
        }

        public Map<String, Guards> getParticipants() {
            return participants;
        }

        /** The guards for one participant: its overrides over these defaults. */
        public RemoteParticipantConfig forParticipant(String name) {
            Guards own = participants.get(name);
            Guards g = own == null ? this : own.over(this);
            return new RemoteParticipantConfig(g.connectTimeout, g.callTimeout, g.failureRateThreshold, g.minimumCalls,
                    g.openDuration, g.phaseTwoAttempts, g.retryBackoff);
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

        /** How long an open circuit refuses calls. */
        private Duration openDuration;

        /** Attempts of a confirm or cancel before it is left to recovery. */
        private Integer phaseTwoAttempts;

        /** The first wait between phase-two attempts; it doubles, with jitter. */
        private Duration retryBackoff;

        Guards over(Guards defaults) {
            Guards merged = new Guards();
            merged.connectTimeout = connectTimeout != null ? connectTimeout : defaults.connectTimeout;
            merged.callTimeout = callTimeout != null ? callTimeout : defaults.callTimeout;
            merged.failureRateThreshold = failureRateThreshold != null ? failureRateThreshold : defaults.failureRateThreshold;
            merged.minimumCalls = minimumCalls != null ? minimumCalls : defaults.minimumCalls;
            merged.openDuration = openDuration != null ? openDuration : defaults.openDuration;
            merged.phaseTwoAttempts = phaseTwoAttempts != null ? phaseTwoAttempts : defaults.phaseTwoAttempts;
            merged.retryBackoff = retryBackoff != null ? retryBackoff : defaults.retryBackoff;
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
            g.phaseTwoAttempts = d.phaseTwoAttempts();
            g.retryBackoff = d.retryBackoff();
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

        public Integer getPhaseTwoAttempts() {
            return phaseTwoAttempts;
        }

        public void setPhaseTwoAttempts(Integer phaseTwoAttempts) {
            this.phaseTwoAttempts = phaseTwoAttempts;
        }

        public Duration getRetryBackoff() {
            return retryBackoff;
        }

        public void setRetryBackoff(Duration retryBackoff) {
            this.retryBackoff = retryBackoff;
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
