package io.tcc.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DelegatingDataSource;
import org.springframework.transaction.PlatformTransactionManager;

import io.tcc.http.boot.TccHttpAutoConfiguration;
import io.tcc.http.boot.TccHttpProperties;
import io.tcc.spring.boot.TccAutoConfiguration;
import io.tcc.test.DatabaseKind;
import io.tcc.test.TestDatabase;

/** What tcc.http.* settings give, and what they refuse at start-up. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TccHttpAutoConfigurationIT {

    private TestDatabase db;
    private ApplicationContextRunner runner;

    @BeforeAll
    void start() {
        db = TestDatabase.create(DatabaseKind.MYSQL, "http_boot").applySchema("fence.sql").applySchema("global.sql");
        DataSource dataSource = new DelegatingDataSource(db.dataSource());
        runner = new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(TccAutoConfiguration.class, TccHttpAutoConfiguration.class))
                .withBean(DataSource.class, () -> dataSource)
                .withBean(PlatformTransactionManager.class, () -> new DataSourceTransactionManager(dataSource));
    }

    @AfterAll
    void stop() {
        db.close();
    }

    @Test
    void signingIsOnByDefaultAndWithoutASecretStartUpStopsNamingTheSetting() {
        runner.run(context -> assertThat(context).getFailure().rootCause()
                .hasMessageContaining("tcc.http.signing.secret"));
    }

    @Test
    void faultInjectionIsOffByDefault() {
        runner.withPropertyValues("tcc.http.signing.secret=a-secret-of-sixteen-plus").run(context -> {
            assertThat(context).hasSingleBean(RemoteParticipants.class);
            assertThat(context.getBean(FaultInjector.class).enabled()).isFalse();
        });
    }

    @Test
    void perParticipantGuardsOverrideTheDefaults() {
        TccHttpProperties properties = new TccHttpProperties();
        TccHttpProperties.Guards inventory = new TccHttpProperties.Guards();
        inventory.setCallTimeout(Duration.ofSeconds(9));
        properties.getRemote().getParticipants().put("inventory", inventory);

        assertThat(properties.getRemote().forParticipant("inventory").callTimeout()).isEqualTo(Duration.ofSeconds(9));
        assertThat(properties.getRemote().forParticipant("inventory").connectTimeout())
                .isEqualTo(RemoteParticipantConfig.ofDefaults().connectTimeout());
        assertThat(properties.getRemote().forParticipant("payments").callTimeout())
                .isEqualTo(RemoteParticipantConfig.ofDefaults().callTimeout());
    }
}
