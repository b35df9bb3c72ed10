package io.tcc.spring.boot;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;

import io.tcc.Timing;
import io.tcc.fence.FenceConfig;
import io.tcc.global.CoordinatorConfig;
import io.tcc.participant.Interception;

/** Settings of the TCC framework, under {@code tcc.*}. */
@ConfigurationProperties("tcc")
public class TccProperties {

    // the defaults are the core's own, stated once there
    private static final Timing TIMING = Timing.ofDefaults();
    private static final CoordinatorConfig COORDINATOR = CoordinatorConfig.ofDefaults();
    private static final FenceConfig FENCE = FenceConfig.ofDefaults();

    /** How @Try and @GlobalTransaction methods are intercepted: proxy or aspectj. */
    private Interception mode = Interception.PROXY;

    /** Starts every xid this service creates, so logs show where a transaction began. */
    private String xidPrefix = COORDINATOR.xidPrefix();

    /** The longest timeout a global transaction may ask for; participants accept deadlines this far ahead. */
    private Duration maxTimeout = TIMING.longestTransaction();

    /** How long past its deadline a transaction still TRYING waits before recovery cancels it. */
    private Duration recoveryMargin = TIMING.recoveryMargin();

    /** When an unfinished phase two is next due, should this process not finish it itself. */
    private Duration phaseTwoRetryDelay = COORDINATOR.phaseTwoRetryDelay();

    /**
     * How long the record of a remote branch's finished phase two may wait to ride on the log's next commit instead of
     * taking its own (0: at once). Shorter than phase-two-retry-delay.
     */
    private Duration completionLinger = COORDINATOR.completionLinger();

    private final Fence fence = new Fence();

    private final Log log = new Log();

    private final PhaseTwo phaseTwo = new PhaseTwo();

    /** The deployment's one timing value, which the fence, the initiator, recovery and cleanup all take. */
    public Timing timing() {
        return Timing.custom().longestTransaction(maxTimeout).clockSkewMargin(fence.getClockSkewMargin())
                .recoveryMargin(recoveryMargin).build();
    }

    /** The initiator's settings; the standalone recovery daemon reads the same properties. */
    public CoordinatorConfig coordinatorConfig(Timing timing) {
        return CoordinatorConfig.custom().xidPrefix(xidPrefix).timing(timing)
                .phaseTwoRetryDelay(phaseTwoRetryDelay).completionLinger(completionLinger)
                .globalTable(log.getGlobalTable()).branchTable(log.getBranchTable())
                .groupCommitLinger(log.getGroupCommit().getLinger()).groupCommitMaxBatch(log.getGroupCommit().getMaxBatch())
                .asyncThreads(phaseTwo.getAsync().getThreads()).asyncQueueCapacity(phaseTwo.getAsync().getQueueCapacity())
                .asyncDrainTimeout(phaseTwo.getAsync().getDrainTimeout())
                .build();
    }

    /** The participant's transaction log. */
    public static class Fence {

        /** The fence table, in the business tables' database. */
        private String table = FENCE.tableName();

        /** How far the clocks of initiator, participant and database may drift apart. */
        private Duration clockSkewMargin = TIMING.clockSkewMargin();

        /** How many times a fenced call that lost a deadlock or lock wait is run again. */
        private int conflictRetries = FENCE.conflictRetries();

        /** The largest recorded try arguments, in UTF-8 bytes (at most 65535, the column's size). */
        private int maxArgsBytes = FENCE.maxArgsBytes();

        public String getTable() {
            return table;
        }

        public void setTable(String table) {
            this.table = table;
        }

        public Duration getClockSkewMargin() {
            return clockSkewMargin;
        }

        public void setClockSkewMargin(Duration clockSkewMargin) {
            this.clockSkewMargin = clockSkewMargin;
        }

        public int getConflictRetries() {
            return conflictRetries;
        }

        public void setConflictRetries(int conflictRetries) {
            this.conflictRetries = conflictRetries;
        }

        public int getMaxArgsBytes() {
            return maxArgsBytes;
        }

        public void setMaxArgsBytes(int maxArgsBytes) {
            this.maxArgsBytes = maxArgsBytes;
        }
    }

    /** The initiator's global log. */
    public static class Log {

        /** One row per global transaction. */
        private String globalTable = COORDINATOR.globalTable();

        /** One row per branch. */
        private String branchTable = COORDINATOR.branchTable();

        private final GroupCommit groupCommit = new GroupCommit();

        public GroupCommit getGroupCommit() {
            return groupCommit;
        }

        public String getGlobalTable() {
            return globalTable;
        }

        public void setGlobalTable(String globalTable) {
            this.globalTable = globalTable;
        }

        public String getBranchTable() {
            return branchTable;
        }

        public void setBranchTable(String branchTable) {
            this.branchTable = branchTable;
        }
    }

    /** Registrations and decisions of concurrent transactions that share one commit of the global log. */
    public static class GroupCommit {

        /**
         * How long the first write of a group waits for others before committing (at most 10ms); 0 waits for none: a
         * group is what queued while the commit before it ran.
         */
        private Duration linger = COORDINATOR.groupCommitLinger();

        /** At most this many writes share one commit (1 to 1000); 1 commits each on its own. */
        private int maxBatch = COORDINATOR.groupCommitMaxBatch();

        public Duration getLinger() {
            return linger;
        }

        public void setLinger(Duration linger) {
            this.linger = linger;
        }

        public int getMaxBatch() {
            return maxBatch;
        }

        public void setMaxBatch(int maxBatch) {
            this.maxBatch = maxBatch;
        }
    }

    /** Phase two of the initiator's transactions. */
    public static class PhaseTwo {

        private final Async async = new Async();

        public Async getAsync() {
            return async;
        }
    }

    /** The pool that runs asynchronous phase twos (@GlobalTransaction(phaseTwo = ASYNC)). */
    public static class Async {

        /** Threads running asynchronous phase twos (1 to 256). */
        private int threads = COORDINATOR.asyncThreads();

        /**
         * Phase twos that may wait for a thread (0 to 100000); when it is full, the caller runs its own phase two before
         * it is answered (back-pressure).
         */
        private int queueCapacity = COORDINATOR.asyncQueueCapacity();

        /** How long shutting down waits for queued and running phase twos; recovery finishes what is left. */
        private Duration drainTimeout = COORDINATOR.asyncDrainTimeout();

        public int getThreads() {
            return threads;
        }

        public void setThreads(int threads) {
            this.threads = threads;
        }

        public int getQueueCapacity() {
            return queueCapacity;
        }

        public void setQueueCapacity(int queueCapacity) {
            this.queueCapacity = queueCapacity;
        }

        public Duration getDrainTimeout() {
            return drainTimeout;
        }

        public void setDrainTimeout(Duration drainTimeout) {
            this.drainTimeout = drainTimeout;
        }
    }

    public PhaseTwo getPhaseTwo() {
        return phaseTwo;
    }

    public Interception getMode() {
        return mode;
    }

    public void setMode(Interception mode) {
        this.mode = mode;
    }

    public String getXidPrefix() {
        return xidPrefix;
    }

    public void setXidPrefix(String xidPrefix) {
        this.xidPrefix = xidPrefix;
    }

    public Duration getMaxTimeout() {
        return maxTimeout;
    }

    public void setMaxTimeout(Duration maxTimeout) {
        this.maxTimeout = maxTimeout;
    }

    public Duration getRecoveryMargin() {
        return recoveryMargin;
    }

    public void setRecoveryMargin(Duration recoveryMargin) {
        this.recoveryMargin = recoveryMargin;
    }

    public Duration getPhaseTwoRetryDelay() {
        return phaseTwoRetryDelay;
    }

    public void setPhaseTwoRetryDelay(Duration phaseTwoRetryDelay) {
        this.phaseTwoRetryDelay = phaseTwoRetryDelay;
    }

    public Duration getCompletionLinger() {
        return completionLinger;
    }

    public void setCompletionLinger(Duration completionLinger) {
        this.completionLinger = completionLinger;
    }

    public Fence getFence() {
        return fence;
    }

    public Log getLog() {
        return log;
    }
}
