package io.tcc.spring.boot;

import javax.sql.DataSource;

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
