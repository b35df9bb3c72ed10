package io.tcc.http.boot;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;

import io.tcc.http.ParticipantEndpoint;
import io.tcc.http.PhaseTwoBatching;
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
         * The most entries one batch of confirms or cancels (POST /tcc/_batch/{confirm|cancel}) may hold; 0 serves no
         * batches, and callers then send each call alone.
         */
        private int maxBatchEntries = ParticipantEndpoint.DEFAULT_MAX_BATCH_ENTRIES;

        public int getMaxBatchEntries() {
            return maxBatchEntries;
        }

        public void setMaxBatchEntries(int maxBatchEntries) {
            this.maxBatchEntries = maxBatchEntries;
        }

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
    public static class Remote extends RemoteGuards {

        /** Overrides by participant name, for example tcc.http.remote.participants.inventory.call-timeout=5s. */
        private final Map<String, RemoteGuards> participants = new LinkedHashMap<>();

        /** How concurrent confirms and cancels to one participant share a request. */
        private final Batch batch = new Batch();

        public Batch getBatch() {
            return batch;
        }

        public Remote() {
            RemoteGuards d = defaults();
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

        public Map<String, RemoteGuards> getParticipants() {
            return participants;
        }

        /** The guards for one participant: its overrides over these defaults. */
        public RemoteParticipantConfig forParticipant(String name) {
            RemoteGuards own = participants.get(name);
            return (own == null ? this : own.over(this)).toConfig();
        }
    }

    /** tcc.http.remote.batch.*: see {@link PhaseTwoBatching}. */
    public static class Batch {

        /** Send concurrent confirms (or cancels) bound for one participant as one request. */
        private boolean enabled = PhaseTwoBatching.ofDefaults().enabled();

        /** The longest a call waits for others to join its request; only while another request is in flight. */
        private Duration linger = PhaseTwoBatching.ofDefaults().linger();

        /** The most calls one request carries. */
        private int maxSize = PhaseTwoBatching.ofDefaults().maxSize();

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public Duration getLinger() {
            return linger;
        }

        public void setLinger(Duration linger) {
            this.linger = linger;
        }

        public int getMaxSize() {
            return maxSize;
        }

        public void setMaxSize(int maxSize) {
            this.maxSize = maxSize;
        }

        public PhaseTwoBatching toSettings() {
            return enabled ? new PhaseTwoBatching(true, linger, maxSize) : PhaseTwoBatching.disabled();
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
