package io.tcc.spring;

import org.aopalliance.intercept.MethodInterceptor;
import org.springframework.aop.Advisor;
import org.springframework.aop.support.AopUtils;
import org.springframework.aop.support.ComposablePointcut;
import org.springframework.aop.support.DefaultPointcutAdvisor;
import org.springframework.aop.support.annotation.AnnotationMatchingPointcut;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Role;

import io.tcc.annotation.GlobalTransaction;
import io.tcc.annotation.Try;
import io.tcc.interception.TccInterceptorSupport;
import io.tcc.participant.ActionRegistry;
import io.tcc.participant.Interception;

/** Proxy mode: an advisor that Spring's infrastructure auto-proxy creator applies to annotated methods. */
@Configuration(proxyBeanMethods = false)
@Import(TccConfiguration.class)
public class TccProxyConfiguration {

    @Bean
    public ActionRegistry tccActionRegistry() {
        return new ActionRegistry(Interception.PROXY);
    }

    @Bean
    @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
    public Advisor tccAdvisor(TccInterceptorSupport support) {
        ComposablePointcut annotated = new ComposablePointcut(AnnotationMatchingPointcut.forMethodAnnotation(Try.class))
                .union(AnnotationMatchingPointcut.forMethodAnnotation(GlobalTransaction.class));
        MethodInterceptor interceptor = invocation -> {
            Object target = invocation.getThis();
            return support.invoke(AopUtils.getMostSpecificMethod(invocation.getMethod(), target.getClass()), target,
                    invocation.getArguments(), invocation::proceed);
        };
        return new DefaultPointcutAdvisor(annotated, interceptor);
    }
}
