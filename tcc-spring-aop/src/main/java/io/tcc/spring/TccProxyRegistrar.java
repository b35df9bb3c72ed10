package io.tcc.spring;

import java.util.Map;

import org.springframework.aop.config.AopConfigUtils;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.context.annotation.ImportBeanDefinitionRegistrar;
import org.springframework.core.type.AnnotationMetadata;

/**
 * Registers Spring's auto-proxy creator for proxy mode, subclassing targets unless {@link EnableTcc#proxyTargetClass()}
 * says otherwise (Spring's own AutoProxyRegistrar only reads annotations whose mode is Spring's AdviceMode). The Boot
 * auto-configuration imports it too, with no {@code @EnableTcc}: then targets are subclassed.
 */
public class TccProxyRegistrar implements ImportBeanDefinitionRegistrar {

    @Override
    public void registerBeanDefinitions(AnnotationMetadata metadata, BeanDefinitionRegistry registry) {
        AopConfigUtils.registerAutoProxyCreatorIfNecessary(registry);
        Map<String, Object> enableTcc = metadata.getAnnotationAttributes(EnableTcc.class.getName());
        if (enableTcc == null || Boolean.TRUE.equals(enableTcc.get("proxyTargetClass"))) {
            AopConfigUtils.forceAutoProxyCreatorToUseClassProxying(registry);
        }
    }
}
