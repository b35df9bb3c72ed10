package io.tcc.recovery;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import org.quartz.JobBuilder;
import org.quartz.JobDetail;
import org.quartz.JobKey;
import org.quartz.ObjectAlreadyExistsException;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.SimpleScheduleBuilder;
import org.quartz.SimpleTrigger;
import org.quartz.Trigger;
import org.quartz.TriggerBuilder;
import org.quartz.TriggerKey;
import org.quartz.impl.StdSchedulerFactory;
import org.quartz.utils.ConnectionProvider;
import org.quartz.utils.DBConnectionManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.tcc.jdbc.Dialect;
import io.tcc.jdbc.RequiredTables;

/**
 * Runs {@link RecoveryJob} every {@code interval}, and {@link CleanupJob} every {@code cleanupInterval}, from Quartz's
 * clustered JDBC job store (JobStoreTX) in the given database, which must hold the tables of
 * {@code schema/<database>/quartz.sql}. Every node of a cluster uses the same scheduler name and database; Quartz's row
 * locks give each firing to one node, and the claims in the log (with their lease) keep two nodes from driving one
 * transaction at once, whoever fires.
 *
 * <p>A node that starts also fires one recovery pass at once ({@link #start()}). Without it, a restarted initiator
 * waited about 23 s: the periodic trigger its killed predecessor had acquired stays blocked until Quartz declares that
 * node dead (its check-in interval plus 7.5 s) and handles the misfire. A dead node's claims are due again when their
 * lease ends, and any node's next firing takes them.
 *
 * <p>On a multi-primary cluster (Galera) Quartz's row lock on {@code QRTZ_LOCKS} holds on one node only; its trigger
 * updates are compare-and-sets, so two nodes acquiring one firing collide at commit and one loses (1213): Quartz logs it
 * and goes on. What it does not get over by itself is covered here: a failed job-store transaction is run again after
 * 1 s instead of 15 s, and a trigger left in ERROR state is reset ({@link #resetErroredTriggers}). Tested by
 * {@code GaleraRecoveryIT}; docs/scale-out.md.
 */
public final class RecoveryScheduler implements AutoCloseable {

    public static final String SCHEDULER_NAME = "tcc-recovery";
    /** The defaults of {@code tcc.recovery.interval} and {@code tcc.recovery.cleanup.interval}. */
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(5);
    public static final Duration DEFAULT_CLEANUP_INTERVAL = Duration.ofHours(1);
    private static final JobKey JOB = JobKey.jobKey("recovery", "tcc");
    private static final JobKey CLEANUP_JOB = JobKey.jobKey("cleanup", "tcc");
    /** The tables of schema/(database)/quartz.sql. */
    static final String[] QUARTZ_TABLES = {"QRTZ_JOB_DETAILS", "QRTZ_TRIGGERS", "QRTZ_SIMPLE_TRIGGERS",
            "QRTZ_CRON_TRIGGERS", "QRTZ_SIMPROP_TRIGGERS", "QRTZ_BLOB_TRIGGERS", "QRTZ_CALENDARS",
            "QRTZ_PAUSED_TRIGGER_GRPS", "QRTZ_FIRED_TRIGGERS", "QRTZ_SCHEDULER_STATE", "QRTZ_LOCKS"};

    /** How often each node looks for a trigger of ours that Quartz left in ERROR state ({@link #resetErroredTriggers}). */
    static final Duration TRIGGER_CHECK_INTERVAL = Duration.ofSeconds(5);
    private static final Logger log = LoggerFactory.getLogger(RecoveryScheduler.class);

    private final Scheduler scheduler;
    private final List<TriggerKey> triggers;
    private final ScheduledExecutorService triggerCheck = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "tcc-recovery-trigger-check");
        thread.setDaemon(true); // like Quartz's threads: a failed start-up must not be kept alive by it
        return thread;
    });

    private RecoveryScheduler(Scheduler scheduler, List<TriggerKey> triggers) {
        this.scheduler = scheduler;
        this.triggers = List.copyOf(triggers);
    }

    /** Recovery only, without cleanup. */
    public static RecoveryScheduler start(DataSource dataSource, Recovery recovery, Duration interval, String instanceId)
            throws SchedulerException {
        return start(dataSource, recovery, interval, null, null, instanceId);
    }

    /** {@link #create} and {@link #start()} at once. */
    public static RecoveryScheduler start(DataSource dataSource, Recovery recovery, Duration interval, Cleanup cleanup,
                                          Duration cleanupInterval, String instanceId) throws SchedulerException {
        RecoveryScheduler scheduler = create(dataSource, recovery, interval, cleanup, cleanupInterval, instanceId);
        scheduler.start();
        return scheduler;
    }

    /**
     * Schedules the jobs without starting them: a service starts them once it is up (see {@link #start()}).
     *
     * @param interval        how often the cluster runs recovery ({@code tcc.recovery.interval})
     * @param cleanup         run every {@code cleanupInterval}, or null for none
     * @param instanceId      this node's id in the cluster, unique among the nodes sharing the database
     */
    public static RecoveryScheduler create(DataSource dataSource, Recovery recovery, Duration interval, Cleanup cleanup,
                                           Duration cleanupInterval, String instanceId) throws SchedulerException {
        Objects.requireNonNull(dataSource, "dataSource");
        Objects.requireNonNull(recovery, "recovery");
        requireInterval("tcc.recovery.interval", interval);
        if (cleanup != null) {
            requireInterval("tcc.recovery.cleanup.interval", cleanupInterval);
        }
        RequiredTables.require(dataSource, "quartz.sql", "recovery's clustered Quartz scheduler (tcc.recovery.enabled)",
                QUARTZ_TABLES);
        String connections = "tcc-recovery-" + instanceId;
        DBConnectionManager.getInstance().addConnectionProvider(connections, new DataSourceConnections(dataSource));
        Properties p = new Properties();
        p.setProperty("org.quartz.scheduler.instanceName", SCHEDULER_NAME);
        p.setProperty("org.quartz.scheduler.instanceId", instanceId);
        p.setProperty("org.quartz.scheduler.skipUpdateCheck", "true");
        // one job run per node at a time; the parallelism inside a run is Recovery's workers
        p.setProperty("org.quartz.threadPool.threadCount", "1");
        // Quartz starts its threads when the scheduler is made, before the service is up: as daemons they cannot keep
        // the JVM of a start-up that failed later alive (a clean stop still waits for a running pass, see close())
        p.setProperty("org.quartz.threadPool.makeThreadsDaemons", "true");
        p.setProperty("org.quartz.scheduler.makeSchedulerThreadDaemon", "true");
        p.setProperty("org.quartz.jobStore.makeThreadsDaemons", "true");
        p.setProperty("org.quartz.jobStore.class", "org.quartz.impl.jdbcjobstore.JobStoreTX");
        p.setProperty("org.quartz.jobStore.driverDelegateClass", Dialect.detect(dataSource) == Dialect.POSTGRESQL
                ? "org.quartz.impl.jdbcjobstore.PostgreSQLDelegate" : "org.quartz.impl.jdbcjobstore.StdJDBCDelegate");
        p.setProperty("org.quartz.jobStore.dataSource", connections);
        p.setProperty("org.quartz.jobStore.tablePrefix", "QRTZ_");
        p.setProperty("org.quartz.jobStore.isClustered", "true");
        p.setProperty("org.quartz.jobStore.clusterCheckinInterval", "5000");
        p.setProperty("org.quartz.jobStore.misfireThreshold", "10000");
        // how long Quartz waits before running a failed job-store transaction again: a job's completion, a check-in, a
        // misfire pass, and the pause after two failed acquisitions. On Galera a lost certification (1213) fails one
        // now and then; Quartz's default of 15 s then held the cleanup trigger blocked for 15 to 25 s, and a check-in
        // retried that late would pass the 12.5 s after which the other nodes count this node dead (docs/scale-out.md).
        // The factory hands this scheduler property to the job store, over org.quartz.jobStore.dbRetryInterval
        p.setProperty("org.quartz.scheduler.dbFailureRetryInterval", "1000");
        Scheduler scheduler = new StdSchedulerFactory(p).getScheduler();
        List<TriggerKey> triggers = new ArrayList<>();
        try {
            scheduler.getContext().put(RecoveryJob.RECOVERY, recovery);
            triggers.add(schedule(scheduler, RecoveryJob.class, JOB, interval));
            if (cleanup != null) {
                scheduler.getContext().put(CleanupJob.CLEANUP, cleanup);
                triggers.add(schedule(scheduler, CleanupJob.class, CLEANUP_JOB, cleanupInterval));
            }
        } catch (SchedulerException | RuntimeException e) {
            scheduler.shutdown(false); // nobody else holds it: its threads would outlive the failed start
            throw e;
        }
        return new RecoveryScheduler(scheduler, triggers);
    }

    /** The range of {@code tcc.recovery.interval} and {@code tcc.recovery.cleanup.interval}. */
    public static void requireInterval(String key, Duration interval) {
        if (interval == null || interval.compareTo(Duration.ofMillis(100)) < 0 || interval.compareTo(Duration.ofDays(1)) > 0) {
            throw new IllegalArgumentException(key + " must be between 100ms and 1d, was " + interval);
        }
    }

    private static TriggerKey schedule(Scheduler scheduler, Class<? extends org.quartz.Job> type, JobKey key,
                                       Duration every) throws SchedulerException {
        JobDetail job = JobBuilder.newJob(type).withIdentity(key).storeDurably().build();
        Trigger trigger = TriggerBuilder.newTrigger().withIdentity(key.getName() + "-every", key.getGroup()).forJob(key)
                .withSchedule(SimpleScheduleBuilder.simpleSchedule().withIntervalInMilliseconds(every.toMillis())
                        .repeatForever().withMisfireHandlingInstructionNextWithRemainingCount())
                .startNow().build();
        try {
            scheduler.scheduleJob(job, trigger);
        } catch (ObjectAlreadyExistsException alreadyScheduled) {
            // another node of the cluster (or an earlier run of this one) scheduled it: one schedule for all, at the
            // interval the node started last asks for (else a changed interval would never take effect)
            if (scheduler.getTrigger(trigger.getKey()) instanceof SimpleTrigger existing
                    && existing.getRepeatInterval() != every.toMillis()) {
                scheduler.rescheduleJob(trigger.getKey(), trigger);
            }
        }
        return trigger.getKey();
    }

    /**
     * Starts the scheduler and fires one recovery pass at once (a trigger of its own, which no dead node can hold), so a
     * restarted node picks up due work as it comes up; from then on, every {@link #TRIGGER_CHECK_INTERVAL}, resets a
     * trigger of ours that Quartz left in ERROR state.
     */
    public void start() throws SchedulerException {
        scheduler.start();
        scheduler.triggerJob(JOB);
        triggerCheck.scheduleWithFixedDelay(this::resetErroredTriggers, 0, TRIGGER_CHECK_INTERVAL.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /**
     * Quartz puts a trigger in ERROR state, and never fires it again, when reading the trigger's job fails while it
     * acquires or fires the trigger: it takes any failure there for a job class it cannot load. A failure that passes
     * (on Galera, a transaction that lost a certification; on any database, a dropped connection) would so stop
     * recovery or cleanup for the whole cluster, restarts included. Every node resets such a trigger of ours.
     */
    void resetErroredTriggers() {
        for (TriggerKey key : triggers) {
            try {
                if (scheduler.getTriggerState(key) == Trigger.TriggerState.ERROR) {
                    scheduler.resetTriggerFromErrorState(key);
                    log.warn("recovery's Quartz trigger {} was in ERROR state, where Quartz leaves a trigger when reading"
                            + " its job failed while firing it (on Galera, a transaction that lost a certification);"
                            + " reset, it fires again", key);
                }
            } catch (SchedulerException | RuntimeException e) {
                log.warn("could not check recovery's Quartz trigger {} for ERROR state, checking again in {}: {}", key,
                        TRIGGER_CHECK_INTERVAL, e.getMessage());
            }
        }
    }

    public Scheduler scheduler() {
        return scheduler;
    }

    /** Waits for a running pass to end: what it claimed is finished, postponed, or due again when its lease ends. */
    @Override
    public void close() throws SchedulerException {
        triggerCheck.shutdownNow();
        scheduler.shutdown(true);
    }

    /** Lends the application's pool to Quartz instead of Quartz opening its own. */
    private record DataSourceConnections(DataSource dataSource) implements ConnectionProvider {
        @Override
        public Connection getConnection() throws SQLException {
            return dataSource.getConnection();
        }

        @Override
        public void shutdown() {
            // the application owns the pool
        }

        @Override
        public void initialize() {
            // nothing to open
        }
    }
}
