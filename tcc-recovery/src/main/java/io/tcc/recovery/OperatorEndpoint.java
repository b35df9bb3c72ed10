package io.tcc.recovery;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;

import org.springframework.http.MediaType;
import org.springframework.web.servlet.function.RouterFunction;
import org.springframework.web.servlet.function.RouterFunctions;
import org.springframework.web.servlet.function.ServerRequest;
import org.springframework.web.servlet.function.ServerResponse;

import io.tcc.BadInputException;
import io.tcc.internal.BearerToken;
import io.tcc.global.GlobalState;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * The operators' JSON endpoints, every one behind {@code Authorization: Bearer <token>}:
 * <ul>
 * <li>{@code GET /tcc/admin/transactions?state=&flagged=&olderThanSeconds=&limit=}: list, oldest first</li>
 * <li>{@code GET /tcc/admin/transactions/{xid}}: one transaction with its branches and attempts</li>
 * <li>{@code POST /tcc/admin/transactions/{xid}/retry}: drive it now</li>
 * <li>{@code POST /tcc/admin/transactions/{xid}/resolve} with {@code {"resolution":"CANCEL_ALL","reason":"..."}}</li>
 * </ul>
 */
public final class OperatorEndpoint {

    public static final String PATH = "/tcc/admin/transactions";

    /** The body of a resolve request. */
    public record ResolveRequest(Operations.Resolution resolution, String reason) {
    }

    private final Operations operations;
    private final JsonMapper json;
    private final BearerToken token;

    public OperatorEndpoint(Operations operations, JsonMapper json, String token) {
        this.operations = Objects.requireNonNull(operations, "operations");
        this.json = Objects.requireNonNull(json, "json");
        this.token = new BearerToken(token, "the operator token");
    }

    public RouterFunction<ServerResponse> routes() {
        return RouterFunctions.route()
                .GET(PATH, request -> guarded(request, () -> answer(200, operations.list(
                        request.param("state").filter(s -> !s.isBlank()).map(OperatorEndpoint::state).orElse(null),
                        request.param("flagged").map(Boolean::parseBoolean).orElse(false),
                        Duration.ofSeconds(number(request, "olderThanSeconds", 0)),
                        (int) number(request, "limit", 100)))))
                .GET(PATH + "/{xid}", request -> guarded(request, () -> operations.show(request.pathVariable("xid"))
                        .map(view -> answer(200, view))
                        .orElseGet(() -> answer(404, Map.of("error", "no transaction " + request.pathVariable("xid"))))))
                .POST(PATH + "/{xid}/retry", request -> guarded(request,
                        () -> answer(200, Map.of("state", operations.retryNow(request.pathVariable("xid"))))))
                .POST(PATH + "/{xid}/resolve", request -> guarded(request, () -> {
                    ResolveRequest body = readResolve(request);
                    return answer(200, Map.of("state", operations.resolve(request.pathVariable("xid"), body.resolution(),
                            body.reason())));
                }))
                .build();
    }

    private interface Action {
        ServerResponse run() throws Exception;
    }

    private ServerResponse guarded(ServerRequest request, Action action) throws Exception {
        if (!token.accepts(request.headers().firstHeader("Authorization"))) {
            return answer(401, Map.of("error", "a valid 'Authorization: Bearer <token>' header is required"));
        }
        try {
            return action.run();
        } catch (BadInputException e) {
            return answer(400, Map.of("error", e.getMessage()));
        } catch (OperatorActionRefusedException e) {
            return answer(409, Map.of("error", e.getMessage()));
        }
    }

    private ResolveRequest readResolve(ServerRequest request) throws Exception {
        try {
            ResolveRequest body = json.readValue(request.servletRequest().getInputStream(), ResolveRequest.class);
            if (body == null || body.resolution() == null) {
                throw new BadInputException("the body must name a resolution: CONFIRM_ALL or CANCEL_ALL");
            }
            return body;
        } catch (JacksonException e) {
            throw new BadInputException("the body is not {\"resolution\": \"CONFIRM_ALL|CANCEL_ALL\", \"reason\": \"...\"}");
        }
    }

    private static GlobalState state(String name) {
        try {
            return GlobalState.valueOf(name);
        } catch (IllegalArgumentException e) {
            throw new BadInputException("unknown state '" + name + "'");
        }
    }

    private static long number(ServerRequest request, String name, long fallback) {
        String value = request.param(name).orElse(null);
        if (value == null || value.isBlank()) {
            return fallback;
        }
        if (!value.matches("[0-9]{1,9}")) {
            throw new BadInputException(name + " must be a whole number");
        }
        return Long.parseLong(value);
    }

    private ServerResponse answer(int status, Object body) {
        return ServerResponse.status(status).contentType(MediaType.APPLICATION_JSON).body(json.writeValueAsBytes(body));
    }
}
