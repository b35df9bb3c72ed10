package io.tcc.recovery;

import java.util.function.Consumer;

import javax.sql.DataSource;

import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DelegatingDataSource;
import org.springframework.transaction.PlatformTransactionManager;

import io.tcc.test.TestDatabase;

/**
 * What any Boot application with tcc-recovery and Spring MVC gets, over a test's database: Tomcat on a loopback port
 * and in-app recovery that the test drives itself (the scheduler fires once at start-up, then not for an hour).
 */
final class RecoveryService {

    @Configuration(proxyBeanMethods = false)
    @EnableAutoConfiguration
    static class App {
    }

    private RecoveryService() {
    }

    /** @param more further beans of the test's, registered before the context refreshes */
    static ConfigurableApplicationContext start(TestDatabase db, Consumer<GenericApplicationContext> more,
                                                String... properties) {
        DataSource dataSource = new DelegatingDataSource(db.dataSource()); // the service must not close the test's pool
        return new SpringApplicationBuilder(App.class)
                .properties("server.port=0", "server.address=127.0.0.1", "spring.main.banner-mode=off",
                        "tcc.recovery.interval=1h", "tcc.recovery.cleanup.enabled=false", "tcc.recovery.max-attempts=1",
                        "tcc.phase-two-retry-delay=50ms")
                .properties(properties)
                .initializers(context -> {
                    GenericApplicationContext generic = (GenericApplicationContext) context;
                    generic.registerBean(DataSource.class, () -> dataSource);
                    generic.registerBean(PlatformTransactionManager.class, () -> new DataSourceTransactionManager(dataSource));
                    more.accept(generic);
                })
                .run();
    }

    static String baseUrl(ConfigurableApplicationContext service) {
        return "http://127.0.0.1:" + service.getEnvironment().getProperty("local.server.port");
    }
}
