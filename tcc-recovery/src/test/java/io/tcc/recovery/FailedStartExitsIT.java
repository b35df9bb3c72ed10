package io.tcc.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.PlatformTransactionManager;

import com.zaxxer.hikari.HikariDataSource;

import io.tcc.recovery.boot.TccRecoveryAutoConfiguration;
import io.tcc.spring.boot.TccAutoConfiguration;
import io.tcc.test.DatabaseKind;
import io.tcc.test.TestDatabase;

/**
 * A start-up that fails ends its JVM: a real process, started as a service is, exits non-zero within a bound, with
 * Boot's failure report, whether it fails before recovery's Quartz scheduler exists (its tables are missing) or after
 * (a later bean fails). Quartz's threads, started when the scheduler is made, used to keep such a JVM alive for good.
 */
class FailedStartExitsIT {

    private static final long BOUND_SECONDS = 60;

    @Test
    void aServiceWithoutQuartzsTablesExitsNamingTheFile() throws Exception {
        try (TestDatabase db = TestDatabase.create(DatabaseKind.MYSQL, "no_quartz_exit").applySchema("fence.sql")
                .applySchema("global.sql")) {
            String output = runToExit(db, "none");
            assertThat(output).contains("APPLICATION FAILED TO START").contains("quartz.sql");
        }
    }

    @Test
    void aServiceWhoseLaterBeanFailsExitsTooOnceQuartzRuns() throws Exception {
        try (TestDatabase db = TestDatabase.create(DatabaseKind.MYSQL, "late_failure_exit").applySchema("fence.sql")
                .applySchema("global.sql").applySchema("quartz.sql")) {
            String output = runToExit(db, "after-recovery");
            assertThat(output).contains("a bean made after recovery's scheduler failed");
        }
    }

    private static String runToExit(TestDatabase db, String failure) throws IOException, InterruptedException {
        Path log = Files.createTempFile("failed-start", ".log");
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Process process = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", classpath, Service.class.getName(), db.jdbcUrl(), failure))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            boolean exited = process.waitFor(BOUND_SECONDS, TimeUnit.SECONDS);
            String output = Files.readString(log);
            assertThat(exited).as("the failed start's JVM exited within %d s; its output:%n%s", BOUND_SECONDS, output)
                    .isTrue();
            assertThat(process.exitValue()).as(output).isNotZero();
            return output;
        } finally {
            process.destroyForcibly();
            Files.deleteIfExists(log);
        }
    }

    /** The service: TCC with in-app recovery on the database given, and optionally a bean that fails after it. */
    @Configuration(proxyBeanMethods = false)
    @ImportAutoConfiguration({TccAutoConfiguration.class, TccRecoveryAutoConfiguration.class})
    public static class Service {

        public static void main(String[] args) {
            SpringApplication application = new SpringApplication(Service.class);
            application.setWebApplicationType(WebApplicationType.NONE);
            application.setDefaultProperties(Map.of("test.jdbc-url", args[0], "test.failure", args[1]));
            application.run();
        }

        @Bean(destroyMethod = "close")
        HikariDataSource dataSource(Environment env) {
            HikariDataSource dataSource = new HikariDataSource();
            dataSource.setJdbcUrl(env.getRequiredProperty("test.jdbc-url"));
            return dataSource;
        }

        @Bean
        PlatformTransactionManager transactionManager(DataSource dataSource) {
            return new DataSourceTransactionManager(dataSource);
        }

        @Bean
        Object failsAfterRecovery(RecoveryScheduler scheduler, Environment env) {
            if (env.getRequiredProperty("test.failure").equals("after-recovery")) {
                throw new IllegalStateException("a bean made after recovery's scheduler failed");
            }
            return scheduler;
        }
    }
}
