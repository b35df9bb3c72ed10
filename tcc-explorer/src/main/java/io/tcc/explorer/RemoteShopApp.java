package io.tcc.explorer;

import javax.sql.DataSource;

import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DelegatingDataSource;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * The remote participant: a Spring Boot application of its own, on its own loopback port and database, serving the
 * {@link Shop} through the framework's auto-configured {@code ParticipantEndpoint}.
 */
@Configuration(proxyBeanMethods = false)
@EnableAutoConfiguration
public class RemoteShopApp {

    static final String SECRET = "explorer-secret-shared-by-both-sides";

    /**
     * @param pool the participant's pool; wrapped, so closing the context leaves it to its owner
     */
    static ConfigurableApplicationContext start(DataSource pool, DataSource blockers, BusinessFaults faults, boolean postgres,
                                                long maxTimeoutMs, long clockSkewMs) {
        DataSource dataSource = new DelegatingDataSource(pool);
        return new SpringApplicationBuilder(RemoteShopApp.class)
                .properties("server.port=0", "server.address=127.0.0.1", "spring.application.name=explorer-remote",
                        "spring.main.banner-mode=off", "tcc.recovery.enabled=false",
                        "tcc.max-timeout=" + maxTimeoutMs + "ms", "tcc.fence.clock-skew-margin=" + clockSkewMs + "ms",
                        "tcc.http.signing.secret=" + SECRET)
                .initializers(context -> {
                    GenericApplicationContext generic = (GenericApplicationContext) context;
                    generic.registerBean(DataSource.class, () -> dataSource);
                    generic.registerBean(PlatformTransactionManager.class, () -> new DataSourceTransactionManager(dataSource));
                    generic.registerBean(JdbcTemplate.class, () -> new JdbcTemplate(dataSource));
                    generic.registerBean(Shop.class, () -> new Shop(dataSource, blockers, faults, postgres));
                })
                .run();
    }

    static String url(ConfigurableApplicationContext app) {
        return "http://127.0.0.1:" + app.getEnvironment().getProperty("local.server.port");
    }
}
