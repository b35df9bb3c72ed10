package io.tcc.spring;

import org.aopalliance.intercept.MethodInterceptor;
import org.springframework.aop.Advisor;
import org.springframework.aop.support.AopUtils;
import org.springframework.aop.support.ComposablePointcut;
import org.springframework.aop.support.DefaultPointcutAdvisor;
import org.springframework.aop.support.annotation.AnnotationMatchingPointcut;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Role;
import org.springframework.util.function.SingletonSupplier;

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

    /**
     * The interceptor's collaborators are looked up at the first intercepted call, not here: the auto-proxy creator
     * instantiates every advisor while post-processors are still being registered, and an advisor holding the
     * coordinator would create it (and the DataSource, the transaction manager...) too early for the other
     * post-processors, which Spring reports as "not eligible for getting processed by all BeanPostProcessors".
     */
    @Bean
    @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
    public static Advisor tccAdvisor(ObjectProvider<TccInterceptorSupport> interceptorSupport) {
        ComposablePointcut annotated = new ComposablePointcut(AnnotationMatchingPointcut.forMethodAnnotation(Try.class))
                .union(AnnotationMatchingPointcut.forMethodAnnotation(GlobalTransaction.class));
        SingletonSupplier<TccInterceptorSupport> support = SingletonSupplier.of(interceptorSupport::getObject);
        MethodInterceptor interceptor = invocation -> {
            Object target = invocation.getThis();
            return support.obtain().invoke(AopUtils.getMostSpecificMethod(invocation.getMethod(), target.getClass()), target,
                    invocation.getArguments(), invocation::proceed);
        };
        return new DefaultPointcutAdvisor(annotated, interceptor);
    }
}
