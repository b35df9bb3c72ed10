package io.tcc.recovery.boot;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;

import io.tcc.recovery.RecoveryConfig;
import io.tcc.recovery.RecoveryScheduler;

/**
 * Settings of the recovery daemon running inside the service, under {@code tcc.recovery.*}. The defaults are those of
 * {@link RecoveryConfig#ofDefaults()}, {@link RecoveryScheduler} and {@link io.tcc.recovery.Cleanup}, and each value is
 * checked there, with a message that names its key.
 */
@ConfigurationProperties("tcc.recovery")
public class TccRecoveryProperties {

    private static final RecoveryConfig DEFAULTS = RecoveryConfig.ofDefaults();

    /** Run recovery in this service; the Quartz tables of schema/<database>/quartz.sql must exist. */
    private boolean enabled = true;

    /**
     * What this service needs: initiator (recovery and cleanup of the global log and fence from clustered Quartz,
     * needing the tables of global.sql and quartz.sql), participant (fence cleanup only, on a thread of its own; no
     * initiator or Quartz tables), or auto: participant when the service declares @Try actions but no
     * @GlobalTransaction method, no @RemoteParticipant client and no tcc.http.remote.participants.*, initiator
     * otherwise. Set initiator when the service starts transactions only through TccTemplate.
     */
    private Role role = Role.AUTO;

    /** The choice of {@code tcc.recovery.role}. */
    public enum Role { AUTO, INITIATOR, PARTICIPANT }

    /** This node's id in the Quartz cluster; a unique one is made up when empty. */
    private String instanceId;

    /**
     * How often the cluster looks for due transactions (between 100ms and 1d); each node also looks once as it starts.
     * A dead node's claims are finished within the lease plus this interval.
     */
    private Duration interval = RecoveryScheduler.DEFAULT_INTERVAL;

    /** Transactions claimed per pass (1 to 10000). */
    private int batchSize = DEFAULTS.batchSize();

    /**
     * How long a claim hides a transaction from other nodes (at least 1s): a killed node's claims are due again when it
     * ends. A pass starts no drive after half of it, so it must be at least twice the longest drive.
     */
    private Duration lease = DEFAULTS.lease();

    /**
     * Phase-two attempts after which a transaction is flagged for an operator. An attempt is one pass over the
     * transaction's pending branches (the initiator's own counts as the first); each makes up to
     * tcc.http.remote.phase-two-calls HTTP calls per remote branch.
     */
    private int maxAttempts = DEFAULTS.maxAttempts();

    /** The wait between the first two attempts; it doubles, with jitter, up to max-backoff. */
    private Duration initialBackoff = DEFAULTS.initialBackoff();

    /** The longest wait between two attempts. */
    private Duration maxBackoff = DEFAULTS.maxBackoff();

    /** Transactions of a batch driven at once, each with a database connection while it writes the log. */
    private int workers = DEFAULTS.workers();

    private final Cleanup cleanup = new Cleanup();

    private final Operator operator = new Operator();

    private final Health health = new Health();

    public static final String HEALTH_THRESHOLD_KEY = "tcc.recovery.health.pending-age-threshold";

    /** The {@code tccTransactions} health indicator (with Spring Boot's health support on the classpath). */
    public static class Health {

        /**
         * How long a transaction may stay unfinished before the indicator turns OUT_OF_SERVICE: a decided one from its
         * start, an undecided one once it is also past its deadline plus tcc.recovery-margin.
         */
        private Duration pendingAgeThreshold = Duration.ofMinutes(5);

        public Duration getPendingAgeThreshold() {
            return pendingAgeThreshold;
        }

        public void setPendingAgeThreshold(Duration pendingAgeThreshold) {
            this.pendingAgeThreshold = pendingAgeThreshold;
        }
    }

    /** Deleting finished transactions and fence rows. */
    public static class Cleanup {

        /** Delete finished rows older than the retention. */
        private boolean enabled = true;

        /** How long finished rows are kept; at least the longest transaction plus the margins. */
        private Duration retention = io.tcc.recovery.Cleanup.DEFAULT_RETENTION;

        /** How often cleanup runs. */
        private Duration interval = RecoveryScheduler.DEFAULT_CLEANUP_INTERVAL;

        /** Rows deleted per local transaction. */
        private int batchSize = io.tcc.recovery.Cleanup.DEFAULT_BATCH_SIZE;

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public Duration getRetention() {
            return retention;
        }

        public void setRetention(Duration retention) {
            this.retention = retention;
        }

        public Duration getInterval() {
            return interval;
        }

        public void setInterval(Duration interval) {
            this.interval = interval;
        }

        public int getBatchSize() {
            return batchSize;
        }

        public void setBatchSize(int batchSize) {
            this.batchSize = batchSize;
        }
    }

    /** The operators' HTTP endpoints under /tcc/admin/transactions. */
    public static class Operator {

        /** The bearer token operators send (at least 16 characters); the endpoints exist only when it is set. */
        private String token;

        public String getToken() {
            return token;
        }

        public void setToken(String token) {
            this.token = token;
        }
    }

    /** Recovery's settings; a wrong value fails here, naming its key. */
    public RecoveryConfig recoveryConfig() {
        return RecoveryConfig.custom().batchSize(batchSize).lease(lease).maxAttempts(maxAttempts).initialBackoff(initialBackoff).maxBackoff(maxBackoff).workers(workers).build();
    }

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public Role getRole() {
        return role;
    }

    public void setRole(Role role) {
        this.role = role;
    }

    public String getInstanceId() {
        return instanceId;
    }

    public void setInstanceId(String instanceId) {
        this.instanceId = instanceId;
    }

    public Duration getInterval() {
        return interval;
    }

    public void setInterval(Duration interval) {
        this.interval = interval;
    }

    public int getBatchSize() {
        return batchSize;
    }

    public void setBatchSize(int batchSize) {
        this.batchSize = batchSize;
    }

    public Duration getLease() {
        return lease;
    }

    public void setLease(Duration lease) {
        this.lease = lease;
    }

    public int getMaxAttempts() {
        return maxAttempts;
    }

    public void setMaxAttempts(int maxAttempts) {
        this.maxAttempts = maxAttempts;
    }

    public Duration getInitialBackoff() {
        return initialBackoff;
    }

    public void setInitialBackoff(Duration initialBackoff) {
        this.initialBackoff = initialBackoff;
    }

    public Duration getMaxBackoff() {
        return maxBackoff;
    }

    public void setMaxBackoff(Duration maxBackoff) {
        this.maxBackoff = maxBackoff;
    }

    public Cleanup getCleanup() {
        return cleanup;
    }

    public Operator getOperator() {
        return operator;
    }

    public Health getHealth() {
        return health;
    }

    public int getWorkers() {
        return workers;
    }

    public void setWorkers(int workers) {
        this.workers = workers;
    }
}
