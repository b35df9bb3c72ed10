package io.tcc.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.aop.Advisor;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DelegatingDataSource;
import org.springframework.transaction.PlatformTransactionManager;

import io.micrometer.common.KeyValues;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistryAssert;
import io.tcc.fence.Fence;
import io.tcc.global.Coordinator;
import io.tcc.global.CoordinatorConfig;
import io.tcc.global.DefaultBranchObservationConvention;
import io.tcc.global.BranchObservationContext;
import io.tcc.global.BranchObservationConvention;
import io.tcc.global.GlobalState;
import io.tcc.spring.TccAspect;
import io.tcc.test.DatabaseKind;
import io.tcc.test.TestDatabase;

/** What a Boot application gets from adding the starter: everything from a DataSource and properties. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TccAutoConfigurationIT {

    private TestDatabase db;
    private ApplicationContextRunner runner;

    @BeforeAll
    void start() {
        db = TestDatabase.create(DatabaseKind.MYSQL, "boot").applySchema("fence.sql").applySchema("global.sql").run("tcc-test/stock.sql");
        DataSource dataSource = new DelegatingDataSource(db.dataSource()); // no close(): contexts must not close the pool
        runner = new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(TccAutoConfiguration.class))
                .withBean(DataSource.class, () -> dataSource)
                .withBean(PlatformTransactionManager.class, () -> new DataSourceTransactionManager(dataSource))
                .withBean(JdbcTemplate.class, () -> new JdbcTemplate(dataSource))
                .withUserConfiguration(ShopBeans.class);
    }

    @AfterAll
    void stop() {
        db.close();
    }

    private String newSku() {
        String sku = "sku-" + UUID.randomUUID();
        db.jdbc().update("INSERT INTO stock (sku, available, frozen, sold) VALUES (?, 5, 0, 0)", sku);
        return sku;
    }

    @Test
    void aDataSourceIsEnoughForAnnotatedBeansToRunAsGlobalTransactions() {
        runner.run(context -> {
            assertThat(context).hasSingleBean(Coordinator.class).hasSingleBean(Fence.class).hasSingleBean(Advisor.class);
            String sku = newSku();
            String xid = context.getBean(ShopBeans.Shop.class).buy(sku);
            assertThat(context.getBean(Coordinator.class).log().find(xid).orElseThrow().state()).isEqualTo(GlobalState.CONFIRMED);
            assertThat(db.jdbc().queryForObject("SELECT sold FROM stock WHERE sku = ?", Integer.class, sku)).isEqualTo(1);
        });
    }

    /** A plain Boot application with its own registry (Actuator gives one): observed without tcc-recovery. */
    @Test
    void anApplicationsObservationRegistryObservesTransactionsBranchCallsAndFencedCalls() {
        runner.withBean(ObservationRegistry.class, TestObservationRegistry::create).run(context -> {
            String xid = context.getBean(ShopBeans.Shop.class).buy(newSku());

            TestObservationRegistry observations = (TestObservationRegistry) context.getBean(ObservationRegistry.class);
            TestObservationRegistryAssert.assertThat(observations)
                    .hasNumberOfObservationsWithNameEqualTo("tcc.transaction", 1)
                    .hasNumberOfObservationsWithNameEqualTo("tcc.branch", 2)
                    .hasNumberOfObservationsWithNameEqualTo("tcc.participant", 2)
                    .hasNumberOfObservationsWithNameEqualTo("tcc.decision", 1)
                    .hasObservationWithNameEqualTo("tcc.transaction").that().hasBeenStopped()
                    .hasLowCardinalityKeyValue("transaction", "Shop.buy").hasLowCardinalityKeyValue("outcome", "CONFIRMED")
                    .hasHighCardinalityKeyValue("tcc.xid", xid);
            TestObservationRegistryAssert.assertThat(observations)
                    .forAllObservationsWithNameEqualTo("tcc.branch", branch -> branch
                            .hasLowCardinalityKeyValue("participant", "local").hasLowCardinalityKeyValue("outcome", "SUCCESS"))
                    .forAllObservationsWithNameEqualTo("tcc.participant", fenced -> fenced
                            .hasLowCardinalityKeyValue("result", "EXECUTED").hasHighCardinalityKeyValue("tcc.xid", xid));
            TestObservationRegistryAssert.assertThat(observations).hasObservationWithNameEqualTo("tcc.branch").that()
                    .hasParentObservationContextMatching(parent -> "tcc.transaction".equals(parent.getName()));
            TestObservationRegistryAssert.assertThat(observations).hasObservationWithNameEqualTo("tcc.decision").that()
                    .hasLowCardinalityKeyValue("outcome", "CONFIRM").hasHighCardinalityKeyValue("tcc.xid", xid)
                    .hasParentObservationContextMatching(parent -> "tcc.transaction".equals(parent.getName()));
            TestObservationRegistryAssert.assertThat(observations).hasObservationWithNameEqualTo("tcc.participant").that()
                    .hasParentObservationContextMatching(parent -> "tcc.branch".equals(parent.getName()));
        });
    }

    /** An application's convention bean renames and retags, as Spring's own observations allow. */
    @Test
    void anObservationConventionBeanRenamesAndRetags() {
        BranchObservationConvention renamed = new DefaultBranchObservationConvention() {
            @Override
            public String getName() {
                return "shop.tcc.calls";
            }

            @Override
            public KeyValues getLowCardinalityKeyValues(BranchObservationContext context) {
                return super.getLowCardinalityKeyValues(context).and("team", "shop");
            }
        };
        runner.withBean(ObservationRegistry.class, TestObservationRegistry::create)
                .withBean(BranchObservationConvention.class, () -> renamed).run(context -> {
                    context.getBean(ShopBeans.Shop.class).buy(newSku());

                    TestObservationRegistryAssert.assertThat((TestObservationRegistry) context.getBean(ObservationRegistry.class))
                            .hasNumberOfObservationsWithNameEqualTo("tcc.branch", 0)
                            .hasNumberOfObservationsWithNameEqualTo("shop.tcc.calls", 2)
                            .hasObservationWithNameEqualTo("shop.tcc.calls").that().hasLowCardinalityKeyValue("team", "shop")
                            .hasLowCardinalityKeyValue("phase", "try");
                });
    }

    @Test
    void propertiesConfigureTheFenceAndTheCoordinator() {
        runner.withPropertyValues("tcc.xid-prefix=shop", "tcc.fence.conflict-retries=2", "tcc.max-timeout=2m",
                        "tcc.log.group-commit.linger=1ms", "tcc.log.group-commit.max-batch=16",
                        "tcc.phase-two.async.threads=3", "tcc.phase-two.async.queue-capacity=7",
                        "tcc.phase-two.async.drain-timeout=4s")
                .run(context -> {
                    assertThat(context.getBean(Fence.class).config().conflictRetries()).isEqualTo(2);
                    CoordinatorConfig coordinator = context.getBean(Coordinator.class).config();
                    assertThat(coordinator.groupCommitLinger()).hasMillis(1);
                    assertThat(coordinator.groupCommitMaxBatch()).isEqualTo(16);
                    assertThat(coordinator.asyncThreads()).isEqualTo(3);
                    assertThat(coordinator.asyncQueueCapacity()).isEqualTo(7);
                    assertThat(coordinator.asyncDrainTimeout()).hasSeconds(4);
                    // one timing value for the fence and the initiator
                    assertThat(context.getBean(Coordinator.class).config().timing().longestTransaction()).hasMinutes(2);
                    assertThat(context.getBean(Fence.class).config().timing()).isSameAs(
                            context.getBean(Coordinator.class).config().timing());
                    assertThat(context.getBean(ShopBeans.Shop.class).buy(newSku())).startsWith("shop-");
                });
    }

    @Test
    void aspectjModeWeavesThroughTheAspectLibraryAndInterceptsSelfInvocation() {
        // this module's test classes are woven by ajc with tcc-spring-aop's jar as an <aspectLibrary>, as users build
        runner.withPropertyValues("tcc.mode=aspectj").run(context -> {
            assertThat(context).hasSingleBean(TccAspect.Activation.class).doesNotHaveBean(Advisor.class);
            assertThat(context.getBean(ShopBeans.Shop.class).getClass()).isEqualTo(ShopBeans.Shop.class);
            String sku = newSku();
            String xid = context.getBean(ShopBeans.Shop.class).buyTwice(sku);
            Coordinator coordinator = context.getBean(Coordinator.class);
            assertThat(coordinator.log().branches(xid)).hasSize(2);
            assertThat(coordinator.log().find(xid).orElseThrow().state()).isEqualTo(GlobalState.CONFIRMED);
            assertThat(db.jdbc().queryForObject("SELECT sold FROM stock WHERE sku = ?", Integer.class, sku)).isEqualTo(2);
        });
    }

    @Test
    void invalidPropertiesStopStartUpNamingTheSetting() {
        runner.withPropertyValues("tcc.fence.conflict-retries=-1").run(context ->
                assertThat(context).getFailure().rootCause().hasMessageContaining("tcc.fence.conflict-retries"));
    }

    @Test
    void withoutADataSourceNothingIsConfigured() {
        new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(TccAutoConfiguration.class))
                .run(context -> assertThat(context).doesNotHaveBean(Coordinator.class));
    }

    @Test
    void settingsCarryGeneratedMetadataForIdes() throws Exception {
        try (InputStream in = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            assertThat(in).isNotNull();
            String metadata = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            assertThat(metadata).contains("\"tcc.mode\"", "\"tcc.fence.conflict-retries\"", "How far the clocks");
        }
    }
}
