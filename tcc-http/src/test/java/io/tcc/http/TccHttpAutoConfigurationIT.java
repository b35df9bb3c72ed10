package io.tcc.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.webmvc.autoconfigure.DispatcherServletAutoConfiguration;
import org.springframework.boot.webmvc.autoconfigure.error.BasicErrorController;
import org.springframework.boot.webmvc.autoconfigure.error.ErrorMvcAutoConfiguration;
import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DelegatingDataSource;
import org.springframework.transaction.PlatformTransactionManager;

import io.tcc.TccSetupException;
import io.tcc.annotation.Cancel;
import io.tcc.annotation.Confirm;
import io.tcc.annotation.Try;
import io.tcc.http.boot.JsonErrorController;
import io.tcc.http.boot.TccOnTomcat;
import io.tcc.http.boot.TccHttpAutoConfiguration;
import io.tcc.http.boot.WildcardContentTypeFilter;
import io.tcc.participant.ActionRegistry;
import io.tcc.recovery.Recovery;
import io.tcc.recovery.boot.TccRecoveryAutoConfiguration;
import io.tcc.http.boot.RemoteGuards;
import io.tcc.http.boot.TccHttpProperties;
import io.tcc.spring.boot.TccAutoConfiguration;
import io.tcc.spring.boot.TccFailureAnalyzer;
import io.tcc.test.DatabaseKind;
import io.tcc.test.TestDatabase;

/** What tcc.http.* settings give, and what they refuse at start-up. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TccHttpAutoConfigurationIT {

    private TestDatabase db;
    private DataSource dataSource;
    private ApplicationContextRunner runner;

    @BeforeAll
    void start() {
        db = TestDatabase.create(DatabaseKind.MYSQL, "http_boot").applySchema("fence.sql").applySchema("global.sql")
                .applySchema("quartz.sql");
        dataSource = new DelegatingDataSource(db.dataSource());
        runner = new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(TccAutoConfiguration.class, TccHttpAutoConfiguration.class))
                .withBean(DataSource.class, () -> dataSource)
                .withBean(PlatformTransactionManager.class, () -> new DataSourceTransactionManager(dataSource));
    }

    /** A web service with one local action, signing on, recovery only where a test adds it. */
    private WebApplicationContextRunner webServiceWithALocalAction() {
        return new WebApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(TccAutoConfiguration.class, TccHttpAutoConfiguration.class))
                .withBean(DataSource.class, () -> dataSource)
                .withBean(PlatformTransactionManager.class, () -> new DataSourceTransactionManager(dataSource))
                .withBean(LocalStock.class)
                .withPropertyValues("tcc.http.signing.secret=a-secret-of-sixteen-plus");
    }

    /** A local action of the service itself. */
    public static class LocalStock {
        @Try("hold-stock")
        public void hold(String sku) {
        }

        @Confirm
        public void sell(String sku) {
        }

        @Cancel
        public void release(String sku) {
        }
    }

    @AfterAll
    void stop() {
        db.close();
    }

    @Test
    void signingIsOnByDefaultAndWithoutASecretStartUpStopsNamingTheSetting() {
        runner.run(context -> {
            FailureAnalysis analysis = new TccFailureAnalyzer().analyze(context.getStartupFailure());
            assertThat(analysis.getDescription()).startsWith("tcc.http.signing.secret is not set");
            assertThat(analysis.getAction()).contains("tcc.http.signing.secret").contains("tcc.http.signing.enabled=false");
        });
        runner.withPropertyValues("tcc.http.signing.secret=too-short").run(context ->
                assertThat(new TccFailureAnalyzer().analyze(context.getStartupFailure()).getDescription())
                        .startsWith("tcc.http.signing.secret is shorter than 16 bytes"));
    }

    @EnableRemoteParticipants(clients = OrderApp.InventoryClient.class)
    static class DeclaresTheInventory {
    }

    @Test
    void participantGroupsWithoutBootsHttpServiceClientSupportStopStartUpNamingTheStarter() {
        runner.withPropertyValues("tcc.http.signing.secret=a-secret-of-sixteen-plus")
                .withUserConfiguration(DeclaresTheInventory.class)
                .withClassLoader(new FilteredClassLoader("org.springframework.boot.restclient"))
                .run(context -> {
                    FailureAnalysis analysis = new TccFailureAnalyzer().analyze(context.getStartupFailure());
                    assertThat(analysis.getDescription()).contains("spring-boot-restclient");
                    assertThat(analysis.getAction()).contains("spring-boot-starter-restclient");
                });
    }

    @Test
    void faultInjectionIsOffByDefault() {
        runner.withPropertyValues("tcc.http.signing.secret=a-secret-of-sixteen-plus").run(context -> {
            assertThat(context).hasSingleBean(RemoteParticipants.class);
            assertThat(context.getBean(FaultInjector.class).enabled()).isFalse();
        });
    }

    @Test
    void localActionsWithoutInAppRecoveryOrParticipantEndpointsStopStartUpNamingBothSettings() {
        webServiceWithALocalAction().withPropertyValues("tcc.http.participant.enabled=false").run(context ->
                assertThat(context).getFailure().isInstanceOf(TccSetupException.class).hasMessageContaining("hold-stock")
                        .hasMessageContaining("tcc.recovery.enabled").hasMessageContaining("tcc.http.participant.enabled"));
    }

    @Test
    void aServiceThatIsNotAWebApplicationServesNoEndpointsAndIsRefusedTheSameWithoutRecovery() {
        runner.withBean(LocalStock.class).withPropertyValues("tcc.http.signing.secret=a-secret-of-sixteen-plus")
                .run(context -> assertThat(context).getFailure().isInstanceOf(TccSetupException.class)
                        .hasMessageContaining("not a servlet web application"));
    }

    @Test
    void localActionsServedAsParticipantEndpointsCanBeFinishedByAStandaloneDaemon() {
        webServiceWithALocalAction().run(context -> {
            assertThat(context).hasNotFailed().hasSingleBean(ParticipantEndpoint.class);
            assertThat(context.getBean(ActionRegistry.class).actions()).containsExactly("hold-stock");
        });
    }

    @Test
    void localActionsWithInAppRecoveryMayServeNoEndpoints() {
        webServiceWithALocalAction().withConfiguration(AutoConfigurations.of(TccRecoveryAutoConfiguration.class))
                // an initiator (here without @GlobalTransaction: its transactions would start through TccTemplate)
                .withPropertyValues("tcc.http.participant.enabled=false", "tcc.recovery.interval=1h",
                        "tcc.recovery.role=initiator")
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(ParticipantEndpoint.class)
                        .hasSingleBean(Recovery.class));
    }

    @Test
    void errorsAreJsonOnTheWholeServerUnlessTheApplicationHasAnErrorControllerOfItsOwn() {
        WebApplicationContextRunner withBootsErrors = webServiceWithALocalAction()
                .withConfiguration(AutoConfigurations.of(DispatcherServletAutoConfiguration.class,
                        ErrorMvcAutoConfiguration.class));
        withBootsErrors.run(context -> assertThat(context).hasNotFailed().hasSingleBean(JsonErrorController.class)
                .doesNotHaveBean(BasicErrorController.class).hasSingleBean(TccOnTomcat.class)
                .hasSingleBean(WildcardContentTypeFilter.class));
        withBootsErrors.withBean(OwnErrors.class).run(context -> assertThat(context).hasNotFailed()
                .hasSingleBean(ErrorController.class).hasSingleBean(OwnErrors.class));
    }

    /** An application's own error pages. */
    public static class OwnErrors implements ErrorController {
    }

    @Test
    void perParticipantGuardsOverrideTheDefaults() {
        TccHttpProperties properties = new TccHttpProperties();
        RemoteGuards inventory = new RemoteGuards();
        inventory.setCallTimeout(Duration.ofSeconds(9));
        properties.getRemote().getParticipants().put("inventory", inventory);

        assertThat(properties.getRemote().forParticipant("inventory").callTimeout()).isEqualTo(Duration.ofSeconds(9));
        assertThat(properties.getRemote().forParticipant("inventory").connectTimeout())
                .isEqualTo(RemoteParticipantConfig.ofDefaults().connectTimeout());
        assertThat(properties.getRemote().forParticipant("payments").callTimeout())
                .isEqualTo(RemoteParticipantConfig.ofDefaults().callTimeout());
    }

    @Test
    void theOldNamesOfTheCallsOfOneAttemptStillBindToTheNewSettings() {
        runner.withPropertyValues("tcc.http.signing.enabled=false",
                        "tcc.http.remote.participants.inventory.phase-two-attempts=5",
                        "tcc.http.remote.participants.inventory.retry-backoff=250ms",
                        "tcc.http.remote.participants.payments.phase-two-calls=4",
                        "tcc.http.remote.participants.payments.max-concurrent-calls=7")
                .run(context -> {
                    TccHttpProperties.Remote remote = context.getBean(TccHttpProperties.class).getRemote();
                    assertThat(remote.forParticipant("inventory").phaseTwoCalls()).isEqualTo(5);
                    assertThat(remote.forParticipant("inventory").phaseTwoCallBackoff()).isEqualTo(Duration.ofMillis(250));
                    assertThat(remote.forParticipant("payments").phaseTwoCalls()).isEqualTo(4);
                    assertThat(remote.forParticipant("payments").maxConcurrentCalls()).isEqualTo(7);
                    assertThat(remote.forParticipant("orders").maxConcurrentCalls())
                            .isEqualTo(RemoteParticipantConfig.ofDefaults().maxConcurrentCalls());
                    assertThat(context).hasSingleBean(ParticipantGuards.class);
                });
    }
}
