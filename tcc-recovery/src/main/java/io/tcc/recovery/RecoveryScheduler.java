package io.tcc.recovery;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Objects;
import java.util.Properties;

import javax.sql.DataSource;

import org.quartz.JobBuilder;
import org.quartz.JobDetail;
import org.quartz.JobKey;
import org.quartz.ObjectAlreadyExistsException;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.SimpleScheduleBuilder;
import org.quartz.Trigger;
import org.quartz.TriggerBuilder;
import org.quartz.impl.StdSchedulerFactory;
import org.quartz.utils.ConnectionProvider;
import org.quartz.utils.DBConnectionManager;

import io.tcc.jdbc.Dialect;

/**
 * Runs {@link RecoveryJob} every {@code interval} from Quartz's clustered JDBC job store (JobStoreTX) in the given
 * database, which must hold the tables of {@code schema/<database>/quartz.sql}. Every daemon of a cluster uses the same
 * scheduler name and database; Quartz's row locks let one node fire each run, and a node that dies is taken over.
 */
public final class RecoveryScheduler implements AutoCloseable {

    public static final String SCHEDULER_NAME = "tcc-recovery";
    private static final JobKey JOB = JobKey.jobKey("recovery", "tcc");
    private static final JobKey CLEANUP_JOB = JobKey.jobKey("cleanup", "tcc");

    private final Scheduler scheduler;

    private RecoveryScheduler(Scheduler scheduler) {
        this.scheduler = scheduler;
    }

    /** Recovery only, without cleanup. */
    public static RecoveryScheduler start(DataSource dataSource, Recovery recovery, Duration interval, String instanceId)
            throws SchedulerException {
        return start(dataSource, recovery, interval, null, null, instanceId);
    }

    /**
     * @param cleanup         run every {@code cleanupInterval}, or null for none
     * @param instanceId      this node's id in the cluster, unique among the daemons sharing the database
     */
    public static RecoveryScheduler start(DataSource dataSource, Recovery recovery, Duration interval, Cleanup cleanup,
                                          Duration cleanupInterval, String instanceId) throws SchedulerException {
        Objects.requireNonNull(dataSource, "dataSource");
        String connections = "tcc-recovery-" + instanceId;
        DBConnectionManager.getInstance().addConnectionProvider(connections, new DataSourceConnections(dataSource));
        Properties p = new Properties();
        p.setProperty("org.quartz.scheduler.instanceName", SCHEDULER_NAME);
        p.setProperty("org.quartz.scheduler.instanceId", instanceId);
        p.setProperty("org.quartz.scheduler.skipUpdateCheck", "true");
        // one job run per node at a time; the parallelism inside a run is Recovery's workers
        p.setProperty("org.quartz.threadPool.threadCount", "1");
        p.setProperty("org.quartz.jobStore.class", "org.quartz.impl.jdbcjobstore.JobStoreTX");
        p.setProperty("org.quartz.jobStore.driverDelegateClass", Dialect.detect(dataSource) == Dialect.POSTGRESQL
                ? "org.quartz.impl.jdbcjobstore.PostgreSQLDelegate" : "org.quartz.impl.jdbcjobstore.StdJDBCDelegate");
        p.setProperty("org.quartz.jobStore.dataSource", connections);
        p.setProperty("org.quartz.jobStore.tablePrefix", "QRTZ_");
        p.setProperty("org.quartz.jobStore.isClustered", "true");
        p.setProperty("org.quartz.jobStore.clusterCheckinInterval", "5000");
        p.setProperty("org.quartz.jobStore.misfireThreshold", "10000");
        Scheduler scheduler = new StdSchedulerFactory(p).getScheduler();
        scheduler.getContext().put(RecoveryJob.RECOVERY, recovery);
        schedule(scheduler, RecoveryJob.class, JOB, interval);
        if (cleanup != null) {
            scheduler.getContext().put(CleanupJob.CLEANUP, cleanup);
            schedule(scheduler, CleanupJob.class, CLEANUP_JOB, cleanupInterval);
        }
        scheduler.start();
        return new RecoveryScheduler(scheduler);
    }

    private static void schedule(Scheduler scheduler, Class<? extends org.quartz.Job> type, JobKey key, Duration every)
            throws SchedulerException {
        JobDetail job = JobBuilder.newJob(type).withIdentity(key).storeDurably().build();
        Trigger trigger = TriggerBuilder.newTrigger().withIdentity(key.getName() + "-every", key.getGroup()).forJob(key)
                .withSchedule(SimpleScheduleBuilder.simpleSchedule().withIntervalInMilliseconds(every.toMillis())
                        .repeatForever().withMisfireHandlingInstructionNextWithRemainingCount())
                .startNow().build();
        try {
            scheduler.scheduleJob(job, trigger);
        } catch (ObjectAlreadyExistsException alreadyScheduled) {
            // another node of the cluster (or an earlier run of this one) scheduled it: one schedule for all
        }
    }

    public Scheduler scheduler() {
        return scheduler;
    }

    @Override
    public void close() throws SchedulerException {
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
