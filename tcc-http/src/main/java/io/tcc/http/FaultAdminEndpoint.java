package io.tcc.http;

import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.springframework.http.MediaType;
import org.springframework.web.servlet.function.RouterFunction;
import org.springframework.web.servlet.function.RouterFunctions;
import org.springframework.web.servlet.function.ServerRequest;
import org.springframework.web.servlet.function.ServerResponse;

import io.tcc.internal.BearerToken;
import io.tcc.internal.ErrorBody;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * QA's switch for a running initiator: {@code GET /tcc/admin/faults} lists the armed faults and how many were injected
 * (by kind, and by phase and kind),
 * {@code POST} arms one (a {@link FaultInjector.Rule} as JSON), {@code DELETE} disarms all. Every request needs
 * {@code Authorization: Bearer <token>}; with fault injection disabled the endpoint answers 403 and arms nothing.
 */
public final class FaultAdminEndpoint {

    public static final String PATH = "/tcc/admin/faults";

    private final FaultInjector faults;
    private final JsonMapper json;
    private final BearerToken token;

    public FaultAdminEndpoint(FaultInjector faults, JsonMapper json, String token) {
        this.faults = Objects.requireNonNull(faults, "faults");
        this.json = Objects.requireNonNull(json, "json");
        this.token = new BearerToken(token, "the fault admin token");
    }

    public RouterFunction<ServerResponse> routes() {
        return RouterFunctions.route()
                .GET(PATH, request -> guarded(request, () -> answer(200, Map.of("enabled", faults.enabled(),
                        "rules", faults.rules(), "injected", faults.injected(),
                        "injectedByPhase", faults.injectedByPhase()))))
                .POST(PATH, request -> guarded(request, () -> arm(request)))
                .DELETE(PATH, request -> guarded(request, () -> {
                    faults.clear();
                    return answer(200, Map.of("rules", faults.rules()));
                }))
                .build();
    }

    private interface Action {
        ServerResponse run() throws Exception;
    }

    private ServerResponse guarded(ServerRequest request, Action action) throws Exception {
        if (!token.accepts(request.headers().firstHeader("Authorization"))) {
            return answer(401, ErrorBody.of(401, "UNAUTHENTICATED",
                    "a valid 'Authorization: Bearer <token>' header is required"));
        }
        if (!faults.enabled()) {
            return answer(403, ErrorBody.of(403, "FAULTS_DISABLED", "fault injection is disabled on this service; enable"
                    + " it with tcc.http.faults.enabled=true on a test or staging service"));
        }
        return action.run();
    }

    private ServerResponse arm(ServerRequest request) throws Exception {
        FaultInjector.Rule rule;
        try {
            rule = json.readValue(request.servletRequest().getInputStream(), FaultInjector.Rule.class);
        } catch (JacksonException e) {
            return answer(400, ErrorBody.of(400, "BAD_REQUEST", "not a fault rule: " + why(e) + "; send {\"kind\":"
                    + " \"REQUEST_LOST|RESPONSE_LOST|DELAYED|ERROR\", \"participant\", \"action\", \"phase\", \"times\","
                    + " \"probability\", \"delayMillis\"}"));
        }
        if (rule == null) {
            return answer(400, ErrorBody.of(400, "BAD_REQUEST", "not a fault rule: the body is empty or null"));
        }
        return answer(201, Map.of("id", faults.add(rule), "rule", rule));
    }

    /** Jackson's own text names classes and echoes input: the caller gets the field and the rule's own checks only. */
    private static String why(JacksonException e) {
        if (e.getCause() instanceof IllegalArgumentException invalid) {
            return invalid.getMessage();
        }
        if (e.getCause() instanceof NullPointerException missing) {
            return missing.getMessage() + " is required";
        }
        List<JacksonException.Reference> path = e.getPath();
        String field = path.isEmpty() ? null : path.get(path.size() - 1).getPropertyName();
        return field == null ? "the body is not a JSON object of the rule's fields" : "field '" + field + "' is unknown or"
                + " has the wrong type";
    }

    private ServerResponse answer(int status, Object body) {
        return ServerResponse.status(status).contentType(MediaType.APPLICATION_JSON).body(json.writeValueAsBytes(body));
    }
}
