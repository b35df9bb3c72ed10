package io.tcc.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DelegatingDataSource;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.annotation.Transactional;

import io.tcc.annotation.GlobalTransaction;
import io.tcc.test.DatabaseKind;
import io.tcc.test.TestDatabase;

/**
 * What a misconfigured service is told at start-up, in Spring Boot's own form (the failure analyzers the starter
 * registers), and what a well-configured one logs: nothing about beans created too early.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(OutputCaptureExtension.class)
class StartUpChecksIT {

    private TestDatabase complete;
    private TestDatabase empty;

    @BeforeAll
    void start() {
        complete = TestDatabase.create(DatabaseKind.MYSQL, "checks").applySchema("fence.sql").applySchema("global.sql")
                .run("tcc-test/stock.sql");
        empty = TestDatabase.create(DatabaseKind.POSTGRESQL, "checks_empty");
    }

    @AfterAll
    void stop() {
        complete.close();
        empty.close();
    }

    private static ApplicationContextRunner on(TestDatabase db) {
        DataSource dataSource = new DelegatingDataSource(db.dataSource()); // no close(): contexts must not close the pool
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(TccAutoConfiguration.class))
                .withBean("dataSource", DataSource.class, () -> dataSource)
                .withBean("transactionManager", PlatformTransactionManager.class,
                        () -> new DataSourceTransactionManager(dataSource))
                .withBean(JdbcTemplate.class, () -> new JdbcTemplate(dataSource));
    }

    private static FailureAnalysis analysis(Throwable failure) {
        FailureAnalysis analysis = new TccFailureAnalyzer().analyze(failure);
        return analysis != null ? analysis : new TccSettingFailureAnalyzer().analyze(failure);
    }

    @Test
    void aMissingFenceTableStopsStartUpNamingTheFileAndTheMigrationLocation() {
        on(empty).withUserConfiguration(ShopBeans.class).run(context -> {
            FailureAnalysis analysis = analysis(context.getStartupFailure());
            assertThat(analysis.getDescription()).contains("[tcc_fence]").contains("participant fence (tcc.fence.table)");
            assertThat(analysis.getAction()).contains("schema/postgresql/fence.sql")
                    .contains("META-INF/tcc/schema/postgresql/fence.sql")
                    .contains("classpath:META-INF/tcc/migration/postgresql/fence")
                    .contains("META-INF/tcc/migration/liquibase/fence.xml");
        });
    }

    @Test
    void missingGlobalLogTablesStopAnInitiatorsStartUp() {
        TestDatabase fenceOnly = TestDatabase.create(DatabaseKind.MYSQL, "checks_fence").applySchema("fence.sql");
        try (fenceOnly) {
            on(fenceOnly).withUserConfiguration(ShopBeans.class).run(context ->
                    assertThat(analysis(context.getStartupFailure()).getDescription())
                            .contains("[tcc_global, tcc_branch]").contains("tcc.log.global-table"));
        }
    }

    @Test
    void aServiceWithTheTablesItNeedsStarts() {
        on(complete).withUserConfiguration(ShopBeans.class).run(context -> assertThat(context).hasNotFailed());
    }

    @Test
    void aTransactionalGlobalTransactionStopsStartUpNamingTheMethod() {
        on(complete).withUserConfiguration(ShopBeans.class, TransactionalInitiators.class).run(context -> {
            FailureAnalysis analysis = analysis(context.getStartupFailure());
            assertThat(analysis.getDescription()).contains(TransactionalCheckout.class.getName() + ".checkout()")
                    .contains("also @Transactional (on the method)");
            assertThat(analysis.getAction()).contains("Remove @Transactional");
        });
        on(complete).withUserConfiguration(ShopBeans.class, TransactionalClasses.class).run(context ->
                assertThat(analysis(context.getStartupFailure()).getDescription())
                        .contains("on its class " + TransactionalClass.class.getName()));
    }

    @Test
    void aSettingOutOfRangeStopsStartUpNamingItsKey() {
        on(complete).withPropertyValues("tcc.fence.conflict-retries=-1").run(context -> {
            FailureAnalysis analysis = analysis(context.getStartupFailure());
            assertThat(analysis.getDescription()).startsWith("Invalid TCC setting: tcc.fence.conflict-retries");
            assertThat(analysis.getAction()).startsWith("Change tcc.fence.conflict-retries");
        });
    }

    @Test
    void aProxyModeStartCreatesNoBeanBeforeThePostProcessors(CapturedOutput output) {
        on(complete).withUserConfiguration(ShopBeans.class).run(context -> assertThat(context).hasNotFailed());
        assertThat(output.getAll()).doesNotContain("is not eligible for getting processed by all BeanPostProcessors");
    }

    static class TransactionalCheckout {
        @Transactional
        @GlobalTransaction
        public void checkout() {
        }
    }

    @Transactional
    static class TransactionalClass {
        @GlobalTransaction
        public void checkout() {
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class TransactionalInitiators {
        @Bean
        TransactionalCheckout checkout() {
            return new TransactionalCheckout();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class TransactionalClasses {
        @Bean
        TransactionalClass checkout() {
            return new TransactionalClass();
        }
    }
}
