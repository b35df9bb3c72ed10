package io.tcc.recovery.daemon;

import java.util.Map;

import javax.sql.DataSource;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.transaction.PlatformTransactionManager;

import io.micrometer.observation.ObservationRegistry;
import io.tcc.global.Coordinator;
import io.tcc.global.CoordinatorObservations;
import io.tcc.global.CrashPoints;
import io.tcc.http.RemoteParticipants;
import io.tcc.spring.boot.TccProperties;

/**
 * The standalone recovery daemon: {@code java -jar tcc-recovery-daemon.jar}, configured by {@code tcc-daemon.properties}
 * in the working directory or its {@code config/} (or {@code --spring.config.additional-location=file:/path/x.properties}). Pointed at an
 * initiator's database, it runs the same clustered Quartz recovery and cleanup as the in-app daemon, beside it or
 * instead of it, and reaches every branch over the participants' HTTP endpoints: it needs no application code.
 */
@SpringBootApplication(proxyBeanMethods = false)
@EnableConfigurationProperties({TccProperties.class, RecoveryDaemonProperties.class})
public class RecoveryDaemon {

    public static void main(String[] args) {
        SpringApplication daemon = new SpringApplication(RecoveryDaemon.class);
        // defaults here, not in an application.properties that applications sharing the classpath would read
        daemon.setDefaultProperties(Map.of(
                "spring.application.name", "tcc-recovery-daemon",
                "spring.config.name", "tcc-daemon", // tcc-daemon.properties in the working directory or ./config/
                "spring.main.banner-mode", "off",
                "server.port", "8090"));
        daemon.run(args);
    }

    /**
     * The initiator's coordinator without a local participant: every participant, "local" included, is reached over
     * HTTP. The client factory is looked up on first use, since it is built on this coordinator. With an observation
     * registry (Actuator on the classpath), each branch call it makes is a {@code tcc.branch} observation.
     */
    @Bean
    Coordinator tccCoordinator(DataSource dataSource, PlatformTransactionManager transactionManager, TccProperties tcc,
                               RecoveryDaemonProperties daemon, ObjectProvider<RemoteParticipants> http,
                               ObjectProvider<ObservationRegistry> observations) {
        Coordinator coordinator = new Coordinator(dataSource, transactionManager, tcc.coordinatorConfig(tcc.timing()), null,
                CrashPoints.NONE, CoordinatorObservations.of(observations.getIfAvailable(() -> ObservationRegistry.NOOP)));
        coordinator.participants().reachOthersWith(name -> http.getObject().participant(name, daemon.getParticipants().get(name)));
        return coordinator;
    }
}
