package io.tcc.http.boot;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Locale;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.context.annotation.Bean;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.web.servlet.function.RouterFunction;
import org.springframework.web.servlet.function.ServerResponse;

import io.github.resilience4j.micrometer.tagged.TaggedBulkheadMetrics;
import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetrics;
import io.github.resilience4j.micrometer.tagged.TaggedRetryMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.tcc.TccSetupException;
import io.tcc.global.Coordinator;
import io.tcc.http.BranchCallGate;
import io.tcc.http.FaultAdminEndpoint;
import io.tcc.http.FaultInjector;
import io.tcc.http.ParticipantEndpoint;
import io.tcc.http.BranchCallLimit;
import io.tcc.http.ParticipantGuards;
import io.tcc.http.RemoteParticipants;
import io.tcc.http.RequestSigner;
import io.tcc.http.TccHeaders;
import io.tcc.participant.ActionRegistry;
import io.tcc.recovery.ParticipantStates;
import io.tcc.participant.LocalParticipant;
import tools.jackson.databind.json.JsonMapper;

/**
 * TCC over HTTP for a Boot application that has TCC on: a {@link RemoteParticipants} factory for its clients, the
 * participant endpoints for its own actions, and, only when enabled, QA's fault injection and its admin endpoint.
 * Requests are signed and checked unless {@code tcc.http.signing.enabled=false}. Errors that no endpoint answers
 * (Tomcat's refusals, Spring MVC's, Boot's error path) are answered as JSON with a reason, like the endpoints' own.
 */
@AutoConfiguration(afterName = {"io.tcc.spring.boot.TccAutoConfiguration",
        "io.tcc.recovery.boot.TccRecoveryAutoConfiguration"},
        // its error controller must be seen before Boot decides whether to add its own
        beforeName = "org.springframework.boot.webmvc.autoconfigure.error.ErrorMvcAutoConfiguration")
@ConditionalOnBean(Coordinator.class)
@EnableConfigurationProperties(TccHttpProperties.class)
public class TccHttpAutoConfiguration {

    /** Its own mapper: the wire format must not change with the application's JSON settings. */
    private static final JsonMapper WIRE_JSON = JsonMapper.builder().build();

    private static RequestSigner signer(TccHttpProperties properties) {
        TccHttpProperties.Signing signing = properties.getSigning();
        if (!signing.isEnabled()) {
            return null;
        }
        if (signing.getSecret() == null || signing.getSecret().getBytes(StandardCharsets.UTF_8).length < 16) {
            throw new TccSetupException("tcc.http.signing.secret is " + (signing.getSecret() == null ? "not set"
                    : "shorter than 16 bytes") + ": branch calls between initiators and participants are signed with it",
                    "Set tcc.http.signing.secret to the secret initiators and participants share (at least 16 bytes,"
                    + " the same on every service), or turn signing off with tcc.http.signing.enabled=false on a"
                    + " trusted network");
        }
        return new RequestSigner(signing.getSecret(), signing.getWindow(), Clock.systemUTC());
    }

    @Bean
    @ConditionalOnMissingBean
    public FaultInjector tccFaultInjector(TccHttpProperties properties) {
        return properties.getFaults().isEnabled() ? new FaultInjector(true, properties.getFaults().getSeed())
                : FaultInjector.disabled();
    }

    /**
     * The participants' circuit breakers, bulkheads and phase-two retries, in registries of their own: an application's
     * own resilience4j registries (and their settings) stay apart from these.
     */
    @Bean
    @ConditionalOnMissingBean
    public ParticipantGuards tccParticipantGuards() {
        return new ParticipantGuards();
    }

    @Bean
    @ConditionalOnMissingBean
    public RemoteParticipants tccRemoteParticipants(Coordinator coordinator, TccHttpProperties properties,
                                                    FaultInjector faults, ParticipantGuards guards) {
        return new RemoteParticipants(coordinator, WIRE_JSON, signer(properties), properties.getRemote()::forParticipant,
                faults, guards, properties.getRemote().getBatch().toSettings());
    }

    /** Breaker, bulkhead and phase-two retry meters (resilience4j's own names) and {@code tcc.http.calls}, with Micrometer. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = {"io.micrometer.core.instrument.MeterRegistry",
            "io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetrics"})
    static class Metrics {
        @Bean
        MeterBinder tccCircuitBreakerMetrics(ParticipantGuards guards) {
            return TaggedCircuitBreakerMetrics.ofCircuitBreakerRegistry(guards.circuitBreakers());
        }

        @Bean
        MeterBinder tccBulkheadMetrics(ParticipantGuards guards) {
            return TaggedBulkheadMetrics.ofBulkheadRegistry(guards.bulkheads());
        }

        @Bean
        MeterBinder tccRetryMetrics(ParticipantGuards guards) {
            return TaggedRetryMetrics.ofRetryRegistry(guards.retries());
        }

        @Bean
        MeterBinder tccHttpCallMetrics(ParticipantGuards guards) {
            return registry -> guards.setCallListener((participant, phase, outcome) -> Counter.builder("tcc.http.calls")
                    .description("HTTP calls to remote participants; one phase-two attempt makes up to phase-two-calls")
                    .tag("participant", participant).tag("phase", phase.name().toLowerCase(Locale.ROOT))
                    .tag("outcome", outcome).register(registry).increment());
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.boot.health.contributor.HealthIndicator")
    static class Health {
        /** Named so that the health endpoint shows it as {@code tccRemoteParticipants}. */
        @Bean
        RemoteParticipantsHealthIndicator tccRemoteParticipantsHealthIndicator(ParticipantGuards guards) {
            return new RemoteParticipantsHealthIndicator(guards);
        }
    }

    /** The participants' guards on the operators' admin page, when recovery runs in this service. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "io.tcc.recovery.ParticipantStates")
    static class OperatorView {
        @Bean
        ParticipantStates tccParticipantStates(ParticipantGuards guards) {
            return () -> guards.states().stream().map(s -> new ParticipantStates.State(s.participant(),
                    s.circuitBreaker().name(), s.failureRate(), s.callsInFlight(), s.maxConcurrentCalls(), s.calls()))
                    .toList();
        }
    }

    /**
     * Without recovery in this service ({@code tcc-recovery} absent, or {@code tcc.recovery.enabled=false}), only a
     * standalone daemon can finish this service's own branches, and only through its participant endpoints.
     */
    @Bean
    @ConditionalOnMissingBean(type = "io.tcc.recovery.Recovery")
    LocalBranchesReachable tccLocalBranchesReachable(ObjectProvider<ActionRegistry> registry,
                                                            ObjectProvider<ParticipantEndpoint> endpoint) {
        return new LocalBranchesReachable(registry, endpoint);
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
    @ConditionalOnBean(LocalParticipant.class)
    @ConditionalOnProperty(prefix = "tcc.http.participant", name = "enabled", matchIfMissing = true)
    static class ParticipantEndpoints {

        @Bean
        ParticipantEndpoint tccParticipantEndpoint(LocalParticipant participant, BranchCallLimit limit,
                                                   TccHttpProperties properties) {
            return new ParticipantEndpoint(participant, WIRE_JSON, limit, properties.getParticipant().getMaxBatchEntries());
        }

        @Bean
        BranchCallLimit tccBranchCallLimit(TccHttpProperties properties) {
            return new BranchCallLimit(properties.getParticipant().getMaxConcurrentCalls(),
                    properties.getParticipant().getBusyWait());
        }

        @Bean
        BranchCallGate tccBranchCallGate(TccHttpProperties properties) {
            TccHttpProperties.Participant participant = properties.getParticipant();
            return new BranchCallGate(signer(properties), participant.getMaxBodyBytes(),
                    participant.getBodyReadTimeout(), participant.getRefusalLogInterval(), WIRE_JSON);
        }

        /** First of all filters, so that nothing reads a branch call's body before it is authenticated. */
        @Bean
        FilterRegistrationBean<BranchCallGate> tccBranchCallGateRegistration(BranchCallGate gate) {
            FilterRegistrationBean<BranchCallGate> registration = new FilterRegistrationBean<>(gate);
            registration.addUrlPatterns(TccHeaders.PATH_PREFIX + "*");
            registration.setOrder(Ordered.HIGHEST_PRECEDENCE);
            return registration;
        }

        @Configuration(proxyBeanMethods = false)
        @ConditionalOnClass(name = "io.micrometer.core.instrument.binder.MeterBinder")
        static class GateMetrics {

            @Bean
            MeterBinder tccBranchCallGateMetrics(BranchCallGate gate) {
                return registry -> FunctionCounter.builder("tcc.http.unauthenticated.calls", gate,
                                BranchCallGate::unauthenticatedCalls)
                        .description("branch calls refused as unsigned, wrongly signed, stale or altered")
                        .register(registry);
            }
        }

        @Bean
        RouterFunction<ServerResponse> tccParticipantRoutes(ParticipantEndpoint endpoint) {
            return endpoint.routes();
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
    static class Endpoints {

        @Bean
        @ConditionalOnProperty(prefix = "tcc.http.faults", name = "enabled")
        RouterFunction<ServerResponse> tccFaultAdminRoutes(FaultInjector faults, TccHttpProperties properties) {
            if (properties.getFaults().getAdminToken() == null) {
                throw new TccSetupException("tcc.http.faults.enabled=true needs tcc.http.faults.admin-token to"
                        + " protect /tcc/admin/faults", "Set tcc.http.faults.admin-token (at least 16 characters), or"
                        + " turn fault injection off: tcc.http.faults.enabled=false");
            }
            return new FaultAdminEndpoint(faults, WIRE_JSON, properties.getFaults().getAdminToken()).routes();
        }
    }

    /**
     * JSON for the errors no endpoint answers, on the whole server: Tomcat's own and Spring Boot's error path; a 415
     * for a wildcard content type, which Spring MVC would answer with a 500; and, on Tomcat, a refused request's unread
     * body dropped with its connection instead of read first.
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
    static class JsonErrorPages {

        @Bean
        WildcardContentTypeFilter tccWildcardContentTypeFilter() {
            return new WildcardContentTypeFilter();
        }

        @Configuration(proxyBeanMethods = false)
        @ConditionalOnClass(name = "org.springframework.boot.webmvc.error.ErrorController")
        static class ErrorPath {
            @Bean
            @ConditionalOnMissingBean(ErrorController.class)
            JsonErrorController tccJsonErrorController() {
                return new JsonErrorController();
            }
        }

        @Configuration(proxyBeanMethods = false)
        @ConditionalOnClass(name = {"org.apache.catalina.startup.Tomcat",
                "org.springframework.boot.tomcat.ConfigurableTomcatWebServerFactory"})
        static class OnTomcat {
            @Bean
            TccOnTomcat tccOnTomcat() {
                return new TccOnTomcat();
            }
        }
    }
}
