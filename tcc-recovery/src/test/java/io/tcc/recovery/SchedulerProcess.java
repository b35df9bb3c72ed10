package io.tcc.recovery;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.locks.LockSupport;

import javax.sql.DataSource;

import org.quartz.JobExecutionContext;
import org.quartz.JobExecutionException;
import org.quartz.JobListener;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.datasource.DelegatingDataSource;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import io.tcc.global.CrashPoints;
import io.tcc.global.GlobalState;

/**
 * One instance of a service with recovery's clustered Quartz scheduler, as a JVM of its own (Quartz allows one
 * scheduler of a name per JVM): {@link StockNode} on the JDBC URLs given, {@link RecoveryScheduler} with recovery and
 * cleanup. It prints what a test checks across instances, one event a line: {@code FIRED job trigger scheduledMs
 * fireId startMs}, {@code RAN job fireId startMs endMs outcome}, {@code FINISHED xid state}, and
 * {@code QUARTZ-SQL-ERROR code sqlState method statement} for each SQL error Quartz's own connections meet (on Galera,
 * a lost certification is 1213).
 *
 * <p>Arguments: instance id, the log's JDBC URL, the participant's JDBC URL, and {@code run} or {@code stall}: a
 * stalling instance blocks in the first confirm it drives, for a test to kill it in the middle of a job.
 */
public final class SchedulerProcess {

    static final String READY = "READY";
    static final String STALLED = "STALLED";

    private SchedulerProcess() {
    }

    public static void main(String[] args) throws Exception {
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).setLevel(Level.INFO);
        String instanceId = args[0];
        HikariDataSource logPool = pool(args[1], instanceId + "-log");
        HikariDataSource participantPool = pool(args[2], instanceId + "-participant");
        StockNode node = StockNode.wire(logPool, participantPool, CrashPoints.NONE);
        if (args[3].equals("stall")) {
            node.stock().confirmWork = () -> {
                System.out.println(STALLED);
                LockSupport.park(); // until the test kills this JVM
            };
        }
        Recovery recovery = new Recovery(node.coordinator().log(), node.coordinator().phaseTwo(),
                RecoveryConfig.custom().batchSize(20).lease(Duration.ofSeconds(5)).maxAttempts(100)
                        .initialBackoff(Duration.ofMillis(50)).maxBackoff(Duration.ofMillis(500)).workers(4).build(),
                new RecoveryListener() {
                    @Override
                    public void onFinished(String xid, GlobalState state) {
                        System.out.println("FINISHED " + xid + " " + state);
                    }
                });
        Cleanup cleanup = new Cleanup(node.coordinator().log(), node.fence(), Duration.ofHours(1), 100);
        RecoveryScheduler scheduler = RecoveryScheduler.create(reportingErrors(logPool), recovery,
                Duration.ofMillis(300), cleanup, Duration.ofSeconds(1), instanceId);
        scheduler.scheduler().getListenerManager().addJobListener(new Printer());
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                scheduler.close();
            } catch (Exception e) {
                e.printStackTrace();
            }
        }));
        scheduler.start();
        System.out.println(READY);
        new CountDownLatch(1).await(); // until the test stops or kills this JVM
    }

    private static HikariDataSource pool(String url, String name) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setPoolName(name);
        config.setMaximumPoolSize(10);
        return new HikariDataSource(config);
    }

    /** Every job Quartz runs here, as it starts and as it ends. */
    private static final class Printer implements JobListener {
        @Override
        public String getName() {
            return "printer";
        }

        @Override
        public void jobToBeExecuted(JobExecutionContext context) {
            System.out.println("FIRED " + context.getJobDetail().getKey().getName() + " " + context.getTrigger().getKey()
                    + " " + context.getScheduledFireTime().getTime() + " " + context.getFireInstanceId() + " "
                    + context.getFireTime().getTime());
        }

        @Override
        public void jobExecutionVetoed(JobExecutionContext context) {
        }

        @Override
        public void jobWasExecuted(JobExecutionContext context, JobExecutionException error) {
            System.out.println("RAN " + context.getJobDetail().getKey().getName() + " " + context.getFireInstanceId() + " "
                    + context.getFireTime().getTime() + " " + System.currentTimeMillis() + " "
                    + (error == null ? "ok" : error.toString().replace('\n', ' ')));
        }
    }

    /** Quartz's pool, printing each SQL error a connection or statement of it throws. */
    private static DataSource reportingErrors(DataSource pool) {
        return new DelegatingDataSource(pool) {
            @Override
            public Connection getConnection() throws SQLException {
                return reporting(Connection.class, super.getConnection(), "");
            }
        };
    }

    @SuppressWarnings("unchecked")
    private static <T> T reporting(Class<T> type, T target, String statement) {
        return (T) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (proxy, method, args) -> {
            Object result;
            try {
                result = method.invoke(target, args);
            } catch (InvocationTargetException e) {
                if (e.getCause() instanceof SQLException error) {
                    System.out.println("QUARTZ-SQL-ERROR " + error.getErrorCode() + " " + error.getSQLState() + " "
                            + method.getName() + " " + statement.replaceAll("\\s+", " "));
                }
                throw e.getCause();
            }
            if (result instanceof PreparedStatement prepared && method.getReturnType() == PreparedStatement.class) {
                return reporting(PreparedStatement.class, prepared, (String) args[0]);
            }
            if (result instanceof Statement plain && method.getReturnType() == Statement.class) {
                return reporting(Statement.class, plain, "");
            }
            return result;
        });
    }
}
