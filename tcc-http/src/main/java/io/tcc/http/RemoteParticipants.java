package io.tcc.http;

import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.support.RestClientAdapter;
import org.springframework.web.service.invoker.HttpServiceProxyFactory;
import org.springframework.web.service.registry.HttpServiceProxyRegistry;

import io.tcc.annotation.Try;
import io.tcc.Identifiers;
import io.tcc.fence.FencePhase;
import io.tcc.global.Coordinator;
import io.tcc.participant.Participant;
import io.tcc.participant.InvalidActionException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Makes clients for {@link RemoteParticipant} interfaces and makes their participants reachable for phase two and
 * recovery. One bulkhead, circuit breaker, time limiter and phase-two retry per participant name.
 *
 * <p>Every call goes through a {@link BranchExchange} on a {@link RestClient}: the client of the participant's HTTP
 * service group when the application declares one ({@link EnableRemoteParticipants}; looked up in Spring's
 * {@link HttpServiceProxyRegistry} when this is a bean), else a client made here, on the JDK's {@link HttpClient} with
 * {@code connect-timeout}. Either way {@link #configure} adds the guards and the signing.
 *
 * <p>With tracing on, the client's observation ({@code http.client.requests}: the group's under Boot, the coordinator's
 * registry for a client made here) starts inside the branch call's and writes the trace context ({@code traceparent})
 * into the request's headers before any interceptor runs: the guard's hop to a call thread carries it with the
 * request, and the signature, over TCC's own headers only, is not affected by it.
 */
public final class RemoteParticipants implements BeanFactoryAware, AutoCloseable {

    private final Coordinator coordinator;
    private final JsonMapper json;
    private final RequestSigner signer;
    private final Function<String, RemoteParticipantConfig> configs;
    private final OutcomeClassifier classifier;
    private final Map<String, HttpBranchTransport> transports = new ConcurrentHashMap<>();
    private final FaultInjector faults;
    private final ParticipantGuards guards;
    private final PhaseTwoBatching batching;
    /** Each guarded call runs on one of these while its caller waits out the time limit; HTTP clients made here too. */
    private final ExecutorService callThreads = Executors.newCachedThreadPool(new CallThreads());
    private final Map<String, BranchExchange> ownClients = new ConcurrentHashMap<>();
    private volatile ObjectProvider<HttpServiceProxyRegistry> groups;

    /**
     * @param signer  signs every call; null sends them unsigned (only for a participant that does not check)
     * @param configs the guards for each participant, by name
     * @param faults  QA's fault points on these calls; {@link FaultInjector#disabled()} in production
     */
    public RemoteParticipants(Coordinator coordinator, JsonMapper json, RequestSigner signer,
                              Function<String, RemoteParticipantConfig> configs, FaultInjector faults) {
        this(coordinator, json, signer, configs, faults, new ParticipantGuards());
    }

    /** @param guards where each participant's circuit breaker and bulkhead are kept, for meters and health checks */
    public RemoteParticipants(Coordinator coordinator, JsonMapper json, RequestSigner signer,
                              Function<String, RemoteParticipantConfig> configs, FaultInjector faults,
                              ParticipantGuards guards) {
        this(coordinator, json, signer, configs, faults, guards, PhaseTwoBatching.ofDefaults());
    }

    /** @param batching how concurrent confirms and cancels to one participant share a request */
    public RemoteParticipants(Coordinator coordinator, JsonMapper json, RequestSigner signer,
                              Function<String, RemoteParticipantConfig> configs, FaultInjector faults,
                              ParticipantGuards guards, PhaseTwoBatching batching) {
        this.batching = Objects.requireNonNull(batching, "batching");
        this.guards = Objects.requireNonNull(guards, "guards");
        this.faults = Objects.requireNonNull(faults, "faults");
        this.coordinator = Objects.requireNonNull(coordinator, "coordinator");
        this.json = Objects.requireNonNull(json, "json");
        this.signer = signer;
        this.configs = Objects.requireNonNull(configs, "configs");
        this.classifier = new OutcomeClassifier(json);
    }

    /**
     * A client for {@code api}, whose tries go to {@code baseUrl}, which each branch row stores: phase two and recovery
     * go there too. Through the participant's HTTP service group's client when there is one, else a client of its own.
     *
     * @throws InvalidActionException when the interface is not annotated or a method is not a {@code @Try}
     */
    public <T> T create(Class<T> api, String baseUrl) {
        return client(api, Objects.requireNonNull(baseUrl, "baseUrl"));
    }

    /**
     * A client for {@code api} through the HTTP service group of its participant's name, which
     * {@link EnableRemoteParticipants} declares: its base URL and the rest of its client come from that group's
     * configuration ({@code spring.http.serviceclient.<name>.*} under Boot), and each branch row stores the group's
     * logical address ({@link ParticipantAddress}), resolved again at every phase-two call.
     */
    public <T> T client(Class<T> api) {
        return client(api, ParticipantAddress.ofGroup(name(api)));
    }

    /** The participant name {@code api} declares. */
    static String name(Class<?> api) {
        RemoteParticipant declared = api.getAnnotation(RemoteParticipant.class);
        if (!api.isInterface() || declared == null) {
            throw new InvalidActionException(api.getName() + " must be an interface annotated @RemoteParticipant");
        }
        return Identifiers.requireAction(declared.value());
    }

    private <T> T client(Class<T> api, String address) {
        String name = name(api);
        Map<Method, DeclaredRejection> rejections = new HashMap<>();
        for (Method method : api.getMethods()) {
            if (!method.isAnnotationPresent(Try.class)) {
                throw new InvalidActionException(api.getName() + "." + method.getName()
                        + "() is not annotated @Try: every method of a remote participant is one of its tries");
            }
            rejections.put(method, DeclaredRejection.of(method));
        }
        HttpBranchTransport transport = transport(name);
        coordinator.participants().add(new HttpParticipant(transport, null));
        Object proxy = Proxy.newProxyInstance(api.getClassLoader(), new Class<?>[] {api}, (self, method, args) -> {
            if (method.getDeclaringClass() == Object.class) {
                return switch (method.getName()) {
                    case "toString" -> "remote participant " + name + " at " + address;
                    case "hashCode" -> System.identityHashCode(self);
                    case "equals" -> self == args[0];
                    default -> throw new UnsupportedOperationException(method.getName());
                };
            }
            String action = method.getAnnotation(Try.class).value();
            // serialized once, before the try: the very text phase two carries back, whatever the try does to args
            String arguments = json.writeValueAsString(args == null ? new Object[0] : args);
            byte[] body = arguments.getBytes(StandardCharsets.UTF_8);
            return coordinator.tryBranch(name, action, address, arguments, (key, deadline) -> {
                BranchCall call = new BranchCall(key.xid(), key.branchId(), action, deadline, FencePhase.TRY);
                CallResult result = transport.call(address, call, body);
                if (result.outcome() != Outcome.SUCCESS) {
                    throw rejections.get(method).failure(name, action, result);
                }
                return value(result.response().value(), method);
            });
        });
        return api.cast(proxy);
    }

    /**
     * Participant {@code name} for phase two and recovery only, with the same guards as its clients: reached at
     * {@code baseUrl} when given, else at the address each branch row holds (a literal URL, or a group's logical
     * address resolved through that group). The standalone recovery daemon reaches every participant this way, the
     * initiator's local one (rows without an endpoint) included.
     */
    public Participant participant(String name, String baseUrl) {
        return new HttpParticipant(transport(Identifiers.requireAction(name)), baseUrl);
    }

    private HttpBranchTransport transport(String name) {
        return transports.computeIfAbsent(name, n -> new HttpBranchTransport(n,
                group -> group == null ? groupOrOwnClient(n) : groupClient(group), classifier, configs.apply(n), faults,
                guards, batching, json));
    }

    /** Looks HTTP service groups up in the context's registry, when there is one (a group is declared). */
    @Override
    public void setBeanFactory(BeanFactory beanFactory) {
        this.groups = beanFactory.getBeanProvider(HttpServiceProxyRegistry.class);
    }

    /**
     * Adds TCC's own behaviour to a participant's client: its guards ({@link GuardInterceptor}), then the signing
     * ({@link SigningInterceptor}), after the interceptors the builder already has, so they run closest to the wire. Both
     * act only on branch calls. {@link ParticipantGroupConfigurer} applies it to each participant's group.
     */
    public void configure(String participant, RestClient.Builder client) {
        GuardInterceptor guard = new GuardInterceptor(participant, configs.apply(participant), guards, callThreads);
        client.requestInterceptors(interceptors -> {
            interceptors.add(guard);
            if (signer != null) {
                interceptors.add(new SigningInterceptor(signer));
            }
        });
    }

    /** The exchange of group {@code name}, or null when the application declares no such group. */
    private BranchExchange groupClient(String name) {
        ObjectProvider<HttpServiceProxyRegistry> provider = groups;
        HttpServiceProxyRegistry registry = provider == null ? null : provider.getIfAvailable();
        if (registry == null || !registry.getGroupNames().contains(name)
                || !registry.getClientTypesInGroup(name).contains(BranchExchange.class)) {
            return null;
        }
        return registry.getClient(name, BranchExchange.class);
    }

    /** Where participant {@code name}'s literal URLs go: its group's client, or one of its own. */
    private BranchExchange groupOrOwnClient(String name) {
        BranchExchange group = groupClient(name);
        return group != null ? group : ownClients.computeIfAbsent(name, this::ownClient);
    }

    /**
     * A client for a participant without a group: the JDK's HttpClient, with its connect and read timeouts, observed
     * in the coordinator's registry ({@code http.client.requests}), which is what sends the trace context along.
     */
    private BranchExchange ownClient(String name) {
        RemoteParticipantConfig config = configs.apply(name);
        JdkClientHttpRequestFactory requests = new JdkClientHttpRequestFactory(HttpClient.newBuilder()
                .connectTimeout(config.connectTimeout()).executor(callThreads).build());
        // a second guard behind the time limit, so that no request outlives its caller for long
        requests.setReadTimeout(config.callTimeout().multipliedBy(2));
        RestClient.Builder client = RestClient.builder().requestFactory(requests)
                .observationRegistry(coordinator.observations().registry());
        configure(name, client);
        return HttpServiceProxyFactory.builderFor(RestClientAdapter.create(client.build())).build()
                .createClient(BranchExchange.class);
    }

    /**
     * Lets the calls under way finish and refuses new ones (each then stays pending, for recovery): a Spring context
     * calls it when it closes.
     */
    @Override
    public void close() {
        callThreads.shutdown();
    }

    /** Daemon threads: an idle one ends after a minute, and none keeps the JVM alive. */
    private static final class CallThreads implements java.util.concurrent.ThreadFactory {
        private final AtomicInteger count = new AtomicInteger();

        @Override
        public Thread newThread(Runnable task) {
            Thread thread = new Thread(task, "tcc-http-call-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        }
    }

    public ParticipantGuards guards() {
        return guards;
    }

    private Object value(JsonNode value, Method method) {
        if (method.getReturnType() == void.class || value == null || value.isNull()) {
            return null;
        }
        return json.treeToValue(value, json.getTypeFactory().constructType(method.getGenericReturnType()));
    }
}
