package io.tcc.recovery.boot;

import java.util.UUID;

import javax.sql.DataSource;

import org.quartz.SchedulerException;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.function.RouterFunction;
import org.springframework.web.servlet.function.ServerResponse;

import io.tcc.fence.Fence;
import io.tcc.fence.FenceCounters;
import io.tcc.global.Coordinator;
import io.tcc.jdbc.RequiredTables;
import io.tcc.recovery.Cleanup;
import io.tcc.recovery.OperatorEndpoint;
import io.tcc.recovery.Operations;
import io.tcc.recovery.ParticipantStates;
import io.tcc.recovery.Recovery;
import io.tcc.recovery.RecoveryListener;
import io.tcc.recovery.RecoveryScheduler;
import io.tcc.recovery.TccMetrics;
import tools.jackson.databind.json.JsonMapper;

/**
 * Recovery inside the service, on by default ({@code tcc.recovery.enabled}). In an initiator: recovery on this node's
 * own schedule from the moment the service is up, cleanup from a clustered Quartz scheduler on the service's
 * DataSource; and, when {@code tcc.recovery.operator.token} is set, the operators' endpoints. In a service that is only
 * a participant ({@code tcc.recovery.role}): fence cleanup on a thread of its own and the fence's meters, with neither
 * the initiator's tables nor Quartz's.
 */
@AutoConfiguration(afterName = "io.tcc.spring.boot.TccAutoConfiguration")
@ConditionalOnBean(Coordinator.class)
@ConditionalOnProperty(prefix = "tcc.recovery", name = "enabled", matchIfMissing = true)
@EnableConfigurationProperties(TccRecoveryProperties.class)
public class TccRecoveryAutoConfiguration {

    /** A service that starts global transactions (see {@code tcc.recovery.role}): recovery and cleanup on Quartz. */
    @Configuration(proxyBeanMethods = false)
    @Conditional(ServiceRole.Initiator.class)
    static class InitiatorRecovery {

        @Bean
        public Recovery tccRecovery(Coordinator coordinator, TccRecoveryProperties p, ObjectProvider<RecoveryListener> listener) {
            return new Recovery(coordinator.log(), coordinator.phaseTwo(), p.recoveryConfig(),
                    RecoveryListener.all(listener.orderedStream().toList()));
        }

        @Bean
        public Operations tccOperations(Coordinator coordinator) {
            return new Operations(coordinator.log(), coordinator.phaseTwo());
        }

        @Bean(destroyMethod = "close")
        public RecoveryScheduler tccRecoveryScheduler(DataSource dataSource, Recovery recovery, Coordinator coordinator,
                                                      ObjectProvider<Fence> fence, TccRecoveryProperties p)
                throws SchedulerException {
            RequiredTables.require(dataSource, "global.sql", "recovery (tcc.recovery.enabled, tcc.recovery.role)",
                    coordinator.config().globalTable(), coordinator.config().branchTable());
            TccRecoveryProperties.Cleanup c = p.getCleanup();
            Cleanup cleanup = c.isEnabled()
                    ? new Cleanup(coordinator.log(), fence.getIfAvailable(), c.getRetention(), c.getBatchSize()) : null;
            String instanceId = p.getInstanceId() != null ? p.getInstanceId() : "node-" + UUID.randomUUID();
            return RecoveryScheduler.create(dataSource, recovery, p.getInterval(), cleanup, c.getInterval(), instanceId);
        }

        /**
         * Starts recovery once every other bean is ready (the last phase, after the web server), so the first pass runs as
         * the service comes up, and stops it first.
         */
        @Bean
        SmartLifecycle tccRecoveryLifecycle(RecoveryScheduler scheduler) {
            return new SmartLifecycle() {
                private volatile boolean running;

                @Override
                public void start() {
                    try {
                        scheduler.start();
                    } catch (SchedulerException e) {
                        throw new IllegalStateException("recovery's Quartz scheduler did not start: " + e.getMessage(), e);
                    }
                    running = true;
                }

                @Override
                public void stop() {
                    running = false;
                    try {
                        scheduler.close();
                    } catch (SchedulerException e) {
                        throw new IllegalStateException("recovery's Quartz scheduler did not stop: " + e.getMessage(), e);
                    }
                }

                @Override
                public boolean isRunning() {
                    return running;
                }

                @Override
                public int getPhase() {
                    return Integer.MAX_VALUE;
                }
            };
        }
    }

    /**
     * A service that is only a participant: no global log and no Quartz, so none of their tables; its fence rows are
     * deleted on a thread of its own, on every node (the deletes are idempotent and bounded by batch).
     */
    @Configuration(proxyBeanMethods = false)
    @Conditional(ServiceRole.ParticipantOnly.class)
    @ConditionalOnBean(Fence.class)
    @ConditionalOnProperty(prefix = "tcc.recovery.cleanup", name = "enabled", matchIfMissing = true)
    static class ParticipantCleanup {

        @Bean
        FenceCleanup tccFenceCleanup(Fence fence, TccRecoveryProperties p) {
            TccRecoveryProperties.Cleanup c = p.getCleanup();
            return new FenceCleanup(new Cleanup(null, fence, c.getRetention(), c.getBatchSize()), c.getInterval());
        }
    }

    /** Meters for applications with Micrometer; also recovery's listener, unless the application has its own. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "io.micrometer.core.instrument.MeterRegistry")
    static class Metrics {
        @Bean
        @Conditional(ServiceRole.Initiator.class)
        TccMetrics tccMetrics(Coordinator coordinator, ObjectProvider<FenceCounters> fence) {
            return new TccMetrics(coordinator.log(), fence.getIfAvailable());
        }

        /** The fence's meters alone: the log's gauges would read tables a participant does not have. */
        @Bean
        @Conditional(ServiceRole.ParticipantOnly.class)
        TccMetrics tccFenceMetrics(ObjectProvider<FenceCounters> fence) {
            return new TccMetrics(null, fence.getIfAvailable());
        }
    }

    @Configuration(proxyBeanMethods = false)
    @Conditional(ServiceRole.Initiator.class)
    @ConditionalOnClass(name = "org.springframework.boot.health.contributor.HealthIndicator")
    static class Health {
        /** Named so that the health endpoint shows it as {@code tccTransactions}. */
        @Bean
        TransactionsHealthIndicator tccTransactionsHealthIndicator(Coordinator coordinator, TccRecoveryProperties p,
                                                                   ObjectProvider<ParticipantStates> participants) {
            return new TransactionsHealthIndicator(coordinator.log(), participants.getIfAvailable(() -> ParticipantStates.NONE),
                    p.getHealth().getPendingAgeThreshold());
        }
    }

    @Configuration(proxyBeanMethods = false)
    @Conditional(ServiceRole.Initiator.class)
    @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
    @ConditionalOnClass(name = "tools.jackson.databind.json.JsonMapper")
    @ConditionalOnProperty(prefix = "tcc.recovery.operator", name = "token")
    static class OperatorEndpoints {
        @Bean
        RouterFunction<ServerResponse> tccOperatorRoutes(Operations operations, TccRecoveryProperties p, Recovery recovery,
                                                         ObjectProvider<ParticipantStates> participants) {
            return new OperatorEndpoint(operations, JsonMapper.builder().build(), p.getOperator().getToken(),
                    participants.getIfAvailable(() -> ParticipantStates.NONE), recovery.config()).routes();
        }
    }
}
