package io.tcc.spring;

import org.aspectj.lang.Aspects;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

import io.tcc.interception.TccInterceptorSupport;
import io.tcc.participant.ActionRegistry;
import io.tcc.participant.Interception;

/** AspectJ mode: hands the woven {@link TccAspect} (a singleton made by AspectJ, not Spring) what it delegates to. */
@Configuration(proxyBeanMethods = false)
@Import(TccConfiguration.class)
public class TccAspectJConfiguration {

    @Bean
    public ActionRegistry tccActionRegistry() {
        return new ActionRegistry(Interception.ASPECTJ);
    }

    /** Closed with the context, which hands the aspect back to whatever was active before. */
    @Bean
    public TccAspect.Activation tccAspectActivation(TccInterceptorSupport support) {
        return Aspects.aspectOf(TccAspect.class).activate(support);
    }
}
