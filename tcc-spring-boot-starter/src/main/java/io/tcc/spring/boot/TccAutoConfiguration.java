package io.tcc.spring.boot;

import javax.sql.DataSource;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.transaction.PlatformTransactionManager;

import io.tcc.Timing;
import io.tcc.fence.FenceConfig;
import io.tcc.global.Coordinator;
import io.tcc.global.CoordinatorConfig;
import io.tcc.jdbc.RequiredTables;
import io.tcc.participant.ActionRegistry;
import io.tcc.spring.ActionRegistrar;
import io.tcc.spring.TccAspectJConfiguration;
import io.tcc.spring.TccProxyConfiguration;
import io.tcc.spring.TccProxyRegistrar;

/**
 * TCC for a Spring Boot application with a DataSource and a transaction manager: the fence, the coordinator and the
 * interception chosen by {@code tcc.mode}. An application that declares {@code @EnableTcc} itself keeps its own setup.
 */
@AutoConfiguration(afterName = {
        "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration",
        "org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration"})
@ConditionalOnBean({DataSource.class, PlatformTransactionManager.class})
@ConditionalOnMissingBean(Coordinator.class)
@EnableConfigurationProperties(TccProperties.class)
public class TccAutoConfiguration {

    /** The deployment's one timing value: tcc.max-timeout, tcc.fence.clock-skew-margin, tcc.recovery-margin. */
    @Bean
    @ConditionalOnMissingBean
    public Timing tccTiming(TccProperties properties) {
        return properties.timing();
    }

    @Bean
    @ConditionalOnMissingBean
    public FenceConfig tccFenceConfig(TccProperties properties, Timing timing) {
        TccProperties.Fence fence = properties.getFence();
        return FenceConfig.custom().tableName(fence.getTable()).timing(timing).conflictRetries(fence.getConflictRetries())
                .maxArgsBytes(fence.getMaxArgsBytes()).build();
    }

    @Bean
    @ConditionalOnMissingBean
    public CoordinatorConfig tccCoordinatorConfig(TccProperties properties, Timing timing) {
        return properties.coordinatorConfig(timing);
    }

    /**
     * Once every bean is known: a service with actions needs its fence table, one with {@code @GlobalTransaction}
     * methods the global log's; a missing one stops start-up naming the file to apply, instead of failing the first
     * call. (Recovery checks what it needs itself.)
     */
    @Bean
    SmartInitializingSingleton tccRequiredTables(DataSource dataSource, FenceConfig fence, CoordinatorConfig coordinator,
                                                 ObjectProvider<ActionRegistry> registry,
                                                 ObjectProvider<ActionRegistrar> registrar) {
        return () -> {
            ActionRegistry actions = registry.getIfAvailable();
            if (actions != null && !actions.actions().isEmpty()) {
                RequiredTables.require(dataSource, "fence.sql", "the participant fence (tcc.fence.table)",
                        fence.tableName());
            }
            ActionRegistrar initiator = registrar.getIfAvailable();
            if (initiator != null && initiator.globalTransactionsDeclared()) {
                RequiredTables.require(dataSource, "global.sql",
                        "the initiator's global log (tcc.log.global-table, tcc.log.branch-table)",
                        coordinator.globalTable(), coordinator.branchTable());
            }
        };
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnProperty(prefix = "tcc", name = "mode", havingValue = "proxy", matchIfMissing = true)
    @Import({TccProxyRegistrar.class, TccProxyConfiguration.class})
    static class ProxyMode {
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnProperty(prefix = "tcc", name = "mode", havingValue = "aspectj")
    @Import(TccAspectJConfiguration.class)
    static class AspectJMode {
    }
}
