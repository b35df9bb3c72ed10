package io.tcc.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DelegatingDataSource;
import org.springframework.transaction.PlatformTransactionManager;

import io.tcc.recovery.boot.TccRecoveryAutoConfiguration;
import io.tcc.spring.boot.TccAutoConfiguration;
import io.tcc.spring.boot.TccSettingFailureAnalyzer;
import io.tcc.test.DatabaseKind;
import io.tcc.test.TestDatabase;

/**
 * Recovery comes with the service: on by default, off by one property, and refused with a dangerous retention or a
 * wrong timing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TccRecoveryAutoConfigurationIT {

    private TestDatabase db;
    private ApplicationContextRunner runner;

    @BeforeAll
    void start() {
        db = TestDatabase.create(DatabaseKind.MYSQL, "recovery_boot").applySchema("fence.sql").applySchema("global.sql")
                .applySchema("quartz.sql");
        DataSource dataSource = new DelegatingDataSource(db.dataSource());
        runner = new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(TccAutoConfiguration.class, TccRecoveryAutoConfiguration.class))
                .withBean(DataSource.class, () -> dataSource)
                .withBean(PlatformTransactionManager.class, () -> new DataSourceTransactionManager(dataSource));
    }

    @AfterAll
    void stop() {
        db.close();
    }

    @Test
    void recoveryRunsInsideTheServiceByDefault() {
        runner.withPropertyValues("tcc.recovery.instance-id=in-app-1").run(context -> {
            assertThat(context).hasSingleBean(Recovery.class).hasSingleBean(Operations.class);
            RecoveryScheduler scheduler = context.getBean(RecoveryScheduler.class);
            assertThat(scheduler.scheduler().isStarted()).isTrue();
            assertThat(scheduler.scheduler().getMetaData().isJobStoreClustered()).isTrue();
        });
    }

    @Test
    void aWrongTimingStopsStartUpNamingItsProperty() {
        runner.withPropertyValues("tcc.recovery.lease=0s").run(context ->
                assertThat(context).getFailure().rootCause().hasMessageContaining("tcc.recovery.lease must be at least"));
        runner.withPropertyValues("tcc.recovery.interval=10ms").run(context ->
                assertThat(context).getFailure().rootCause().hasMessageContaining("tcc.recovery.interval must be between"));
        runner.withPropertyValues("tcc.recovery.max-backoff=10ms").run(context ->
                assertThat(context).getFailure().rootCause().hasMessageContaining("tcc.recovery.max-backoff must be at least"));
    }

    @Test
    void onePropertyTurnsItOff() {
        runner.withPropertyValues("tcc.recovery.enabled=false").run(context ->
                assertThat(context).doesNotHaveBean(Recovery.class).doesNotHaveBean(RecoveryScheduler.class));
    }

    @Test
    void aRetentionShorterThanTheLongestTransactionStopsStartUp() {
        runner.withPropertyValues("tcc.recovery.cleanup.retention=1m").run(context -> {
            assertThat(context).getFailure().rootCause().hasMessageContaining("shorter");
            // reported in Boot's form, naming the key to change
            FailureAnalysis analysis = new TccSettingFailureAnalyzer().analyze(context.getStartupFailure());
            assertThat(analysis.getDescription()).startsWith("Invalid TCC setting: tcc.recovery.cleanup.retention PT1M");
            assertThat(analysis.getAction()).startsWith("Change tcc.recovery.cleanup.retention");
        });
    }
}
