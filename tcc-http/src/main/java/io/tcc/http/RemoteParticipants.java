package io.tcc.http;

import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

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
 */
public final class RemoteParticipants {

    private final Coordinator coordinator;
    private final JsonMapper json;
    private final RequestSigner signer;
    private final Function<String, RemoteParticipantConfig> configs;
    private final OutcomeClassifier classifier;
    private final Map<String, HttpBranchTransport> transports = new ConcurrentHashMap<>();
    private final FaultInjector faults;
    private final ParticipantGuards guards;
    private final PhaseTwoBatching batching;

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
     * A client for {@code api}, whose tries go to {@code baseUrl}.
     *
     * @throws InvalidActionException when the interface is not annotated or a method is not a {@code @Try}
     */
    public <T> T create(Class<T> api, String baseUrl) {
        RemoteParticipant declared = api.getAnnotation(RemoteParticipant.class);
        if (!api.isInterface() || declared == null) {
            throw new InvalidActionException(api.getName() + " must be an interface annotated @RemoteParticipant");
        }
        String name = Identifiers.requireAction(declared.value());
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
                    case "toString" -> "remote participant " + name + " at " + baseUrl;
                    case "hashCode" -> System.identityHashCode(self);
                    case "equals" -> self == args[0];
                    default -> throw new UnsupportedOperationException(method.getName());
                };
            }
            String action = method.getAnnotation(Try.class).value();
            // serialized once, before the try: the very text phase two carries back, whatever the try does to args
            String arguments = json.writeValueAsString(args == null ? new Object[0] : args);
            byte[] body = arguments.getBytes(StandardCharsets.UTF_8);
            return coordinator.tryBranch(name, action, baseUrl, arguments, (key, deadline) -> {
                BranchCall call = new BranchCall(key.xid(), key.branchId(), action, deadline, FencePhase.TRY);
                CallResult result = transport.call(baseUrl, call, body);
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
     * {@code baseUrl} when given, else at the endpoint each branch row holds. The standalone recovery daemon reaches
     * every participant this way, the initiator's local one (rows without an endpoint) included.
     */
    public Participant participant(String name, String baseUrl) {
        return new HttpParticipant(transport(Identifiers.requireAction(name)), baseUrl);
    }

    private HttpBranchTransport transport(String name) {
        return transports.computeIfAbsent(name, n -> new HttpBranchTransport(n, signer, classifier, configs.apply(n), faults,
                guards, batching, json));
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
