package io.tcc.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.SmartLifecycle;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DelegatingDataSource;
import org.springframework.transaction.PlatformTransactionManager;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tcc.global.StockActions;
import io.tcc.recovery.boot.TccRecoveryAutoConfiguration;
import io.tcc.spring.boot.TccAutoConfiguration;
import io.tcc.spring.boot.TccFailureAnalyzer;
import io.tcc.test.Await;
import io.tcc.test.DatabaseKind;
import io.tcc.test.TestDatabase;

/**
 * A service that is only a participant, on a database with nothing but its fence table: it starts, cleans its fence on
 * a thread of its own and counts its fence, with neither the initiator's tables nor Quartz's. Told it is an initiator,
 * the same service is refused naming the file it lacks.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ParticipantOnlyIT {

    private TestDatabase db;
    private ApplicationContextRunner runner;

    @BeforeAll
    void start() {
        db = TestDatabase.create(DatabaseKind.MYSQL, "participant_only").applySchema("fence.sql").run("tcc-test/stock.sql");
        DataSource dataSource = new DelegatingDataSource(db.dataSource());
        runner = new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(TccAutoConfiguration.class, TccRecoveryAutoConfiguration.class))
                .withBean(DataSource.class, () -> dataSource)
                .withBean(PlatformTransactionManager.class, () -> new DataSourceTransactionManager(dataSource))
                .withBean(StockActions.class, () -> new StockActions(new JdbcTemplate(dataSource)));
    }

    @AfterAll
    void stop() {
        db.close();
    }

    @Test
    void itStartsWithOnlyItsFenceTableAndCleansItsFence() {
        // a confirmed row a month old, far past the 7 days' retention
        db.jdbc().update("INSERT INTO tcc_fence (xid, branch_id, action, state, deadline_ms, created_at, updated_at)"
                + " VALUES ('old-xid', 'b1', 'reserve-stock', 'CONFIRMED', 0, UTC_TIMESTAMP(3) - INTERVAL 30 DAY,"
                + " UTC_TIMESTAMP(3) - INTERVAL 30 DAY)");
        runner.withPropertyValues("tcc.recovery.cleanup.interval=200ms").run(context -> {
            assertThat(context).hasNotFailed().doesNotHaveBean(RecoveryScheduler.class).doesNotHaveBean(Recovery.class);
            assertThat(context.getBean("tccFenceCleanup", SmartLifecycle.class).isRunning()).isTrue();
            Await.until("the old fence row is cleaned up", Duration.ofSeconds(10), () -> db.jdbc().queryForObject(
                    "SELECT COUNT(*) FROM tcc_fence WHERE xid = 'old-xid'", Integer.class) == 0);
        });
    }

    @Test
    void itCountsItsFenceWithoutTheLogsGauges() {
        runner.run(context -> {
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            context.getBean(TccMetrics.class).bindTo(registry);
            assertThat(registry.find("tcc.fence.empty.rollbacks").functionCounter()).isNotNull();
            assertThat(registry.find("tcc.transactions.pending").gauges()).isEmpty();
        });
    }

    @Test
    void declaredAnInitiatorItIsRefusedNamingTheFilesItLacks() {
        runner.withPropertyValues("tcc.recovery.role=initiator").run(context -> {
            var analysis = new TccFailureAnalyzer().analyze(context.getStartupFailure());
            assertThat(analysis.getDescription()).contains("[tcc_global, tcc_branch]");
            assertThat(analysis.getAction()).contains("schema/mysql/global.sql");
        });
    }

    @Test
    void anInitiatorWithoutQuartzsTablesIsRefusedNamingQuartzSql() {
        try (TestDatabase noQuartz = TestDatabase.create(DatabaseKind.POSTGRESQL, "no_quartz").applySchema("fence.sql")
                .applySchema("global.sql")) {
            DataSource dataSource = new DelegatingDataSource(noQuartz.dataSource());
            new ApplicationContextRunner()
                    .withConfiguration(AutoConfigurations.of(TccAutoConfiguration.class, TccRecoveryAutoConfiguration.class))
                    .withBean(DataSource.class, () -> dataSource)
                    .withBean(PlatformTransactionManager.class, () -> new DataSourceTransactionManager(dataSource))
                    .run(context -> {
                        var analysis = new TccFailureAnalyzer().analyze(context.getStartupFailure());
                        assertThat(analysis.getDescription()).contains("QRTZ_JOB_DETAILS").contains("Quartz");
                        assertThat(analysis.getAction()).contains("schema/postgresql/quartz.sql")
                                .contains("classpath:META-INF/tcc/migration/postgresql/quartz");
                    });
        }
    }
}
