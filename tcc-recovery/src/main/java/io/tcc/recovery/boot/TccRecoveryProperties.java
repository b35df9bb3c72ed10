package io.tcc.recovery.boot;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;

/** Settings of the recovery daemon running inside the service, under {@code tcc.recovery.*}. */
@ConfigurationProperties("tcc.recovery")
public class TccRecoveryProperties {

    /** Run recovery in this service; the Quartz tables of schema/<database>/quartz.sql must exist. */
    private boolean enabled = true;

    /** This node's id in the Quartz cluster; a unique one is made up when empty. */
    private String instanceId;

    /** How often recovery looks for due transactions. */
    private Duration interval = Duration.ofSeconds(5);

    /** Transactions claimed per pass. */
    private int batchSize = 100;

    /** How long a claim hides a transaction from other daemons. */
    private Duration lease = Duration.ofSeconds(60);

    /**
     * Phase-two attempts after which a transaction is flagged for an operator. An attempt is one pass over the
     * transaction's pending branches (the initiator's own counts as the first); each makes up to
     * tcc.http.remote.phase-two-calls HTTP calls per remote branch.
     */
    private int maxAttempts = 12;

    /** The wait between the first two attempts; it doubles, with jitter, up to max-backoff. */
    private Duration initialBackoff = Duration.ofSeconds(1);

    /** The longest wait between two attempts. */
    private Duration maxBackoff = Duration.ofMinutes(10);

    /** Transactions of a batch driven at once, each with a database connection while it writes the log. */
    private int workers = 4;

    private final Cleanup cleanup = new Cleanup();

    private final Operator operator = new Operator();

    /** Deleting finished transactions and fence rows. */
    public static class Cleanup {

        /** Delete finished rows older than the retention. */
        private boolean enabled = true;

        /** How long finished rows are kept; at least the longest transaction plus the margins. */
        private Duration retention = Duration.ofDays(7);

        /** How often cleanup runs. */
        private Duration interval = Duration.ofHours(1);

        /** Rows deleted per local transaction. */
        private int batchSize = 500;

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

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
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

    public int getWorkers() {
        return workers;
    }

    public void setWorkers(int workers) {
        this.workers = workers;
    }
}
