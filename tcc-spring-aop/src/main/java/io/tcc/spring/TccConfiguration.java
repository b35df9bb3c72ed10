package io.tcc.spring;

import javax.sql.DataSource;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Role;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.util.ClassUtils;

import io.micrometer.observation.ObservationRegistry;
import io.tcc.fence.Fence;
import io.tcc.fence.FenceConfig;
import io.tcc.fence.FenceCounters;
import io.tcc.fence.FenceObservations;
import io.tcc.fence.ParticipantObservationConvention;
import io.tcc.global.BranchObservationConvention;
import io.tcc.global.Coordinator;
import io.tcc.global.CoordinatorConfig;
import io.tcc.global.CoordinatorObservations;
import io.tcc.global.CrashPoints;
import io.tcc.global.DecisionObservationConvention;
import io.tcc.global.TransactionObservationConvention;
import io.tcc.interception.TccInterceptorSupport;
import io.tcc.interception.TccTemplate;
import io.tcc.participant.ActionRegistry;
import io.tcc.participant.ArgumentCodec;
import io.tcc.participant.JavaSerializationCodec;
import io.tcc.participant.LocalParticipant;

/**
 * The beans both interception modes share, on the application's DataSource and transaction manager. Settings come from
 * {@link FenceConfig}, {@link CoordinatorConfig}, {@link ArgumentCodec} and {@link CrashPoints} beans when the
 * application defines them, defaults otherwise. The mode's own configuration supplies the {@link ActionRegistry}.
 * With an {@link ObservationRegistry} bean (Boot's, with Actuator), transactions, branch calls and fenced calls are
 * observed ({@code tcc.transaction}, {@code tcc.branch}, {@code tcc.decision}, {@code tcc.participant}), named and tagged by the application's
 * observation convention beans where it has them.
 */
@Configuration(proxyBeanMethods = false)
public class TccConfiguration {

    @Bean
    public FenceCounters tccFenceCounters() {
        return new FenceCounters();
    }

    @Bean
    public Fence tccFence(DataSource dataSource, PlatformTransactionManager transactionManager,
                          ObjectProvider<FenceConfig> config, FenceCounters counters,
                          ObjectProvider<ObservationRegistry> observations,
                          ObjectProvider<ParticipantObservationConvention> convention) {
        return new Fence(dataSource, transactionManager, config.getIfAvailable(FenceConfig::ofDefaults), counters,
                new FenceObservations(observations.getIfAvailable(() -> ObservationRegistry.NOOP),
                        convention.getIfAvailable()));
    }

    @Bean
    public LocalParticipant tccLocalParticipant(Fence fence, ActionRegistry registry, ObjectProvider<ArgumentCodec> codec) {
        return new LocalParticipant(fence, registry, codec.getIfAvailable(TccConfiguration::defaultCodec));
    }

    /** JSON where Jackson is on the classpath (it reads rows Java serialization wrote, too), else Java serialization. */
    static ArgumentCodec defaultCodec() {
        return ClassUtils.isPresent("tools.jackson.databind.json.JsonMapper", TccConfiguration.class.getClassLoader())
                ? new JsonArgumentCodec() : new JavaSerializationCodec();
    }

    @Bean
    public Coordinator tccCoordinator(DataSource dataSource, PlatformTransactionManager transactionManager,
                                      ObjectProvider<CoordinatorConfig> config, LocalParticipant local,
                                      ObjectProvider<CrashPoints> crashPoints,
                                      ObjectProvider<ObservationRegistry> observations,
                                      ObjectProvider<TransactionObservationConvention> transactionConvention,
                                      ObjectProvider<BranchObservationConvention> branchConvention,
                                      ObjectProvider<DecisionObservationConvention> decisionConvention) {
        return new Coordinator(dataSource, transactionManager, config.getIfAvailable(CoordinatorConfig::ofDefaults), local,
                crashPoints.getIfAvailable(() -> CrashPoints.NONE), new CoordinatorObservations(
                        observations.getIfAvailable(() -> ObservationRegistry.NOOP), transactionConvention.getIfAvailable(),
                        branchConvention.getIfAvailable(), decisionConvention.getIfAvailable()));
    }

    @Bean
    public TccTemplate tccTemplate(Coordinator coordinator) {
        return new TccTemplate(coordinator);
    }

    @Bean
    @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
    public TccInterceptorSupport tccInterceptorSupport(Coordinator coordinator, ActionRegistry registry) {
        return new TccInterceptorSupport(coordinator, registry);
    }

    /** Static: a post-processor must exist before the beans it inspects. */
    @Bean
    @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
    public static ActionRegistrar tccActionRegistrar(ObjectProvider<ActionRegistry> registry) {
        return new ActionRegistrar(registry);
    }
}
