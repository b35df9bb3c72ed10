package io.tcc.recovery;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
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
import io.tcc.internal.ErrorBody;
import io.tcc.global.GlobalState;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * The operators' admin page and the JSON endpoints behind it. The page, {@code GET /tcc/admin/} with its script and
 * style sheet, holds no data and is served to anyone; the operator types the token into it. Every JSON endpoint needs
 * {@code Authorization: Bearer <token>}:
 * <ul>
 * <li>{@code GET /tcc/admin/transactions?state=&flagged=&olderThanSeconds=&limit=}: list, oldest first</li>
 * <li>{@code GET /tcc/admin/transactions/{xid}}: one transaction with its branches and attempts</li>
 * <li>{@code POST /tcc/admin/transactions/{xid}/retry}: drive it now</li>
 * <li>{@code POST /tcc/admin/transactions/{xid}/resolve} with {@code {"resolution":"CANCEL_ALL","reason":"..."}}</li>
 * <li>{@code GET /tcc/admin/participants}: each participant's circuit breaker, calls in flight and calls made, and
 *     recovery's attempt settings</li>
 * </ul>
 */
public final class OperatorEndpoint {

    public static final String PATH = "/tcc/admin/transactions";
    /** The admin page; {@code /tcc/admin} redirects here. */
    public static final String PAGE_PATH = "/tcc/admin/";
    /** The participants' guards and recovery's attempt settings. */
    public static final String PARTICIPANTS_PATH = "/tcc/admin/participants";

    /** Only the page's own script, style and API calls: no inline script, nothing from elsewhere, no framing. */
    static final String CONTENT_SECURITY_POLICY =
            "default-src 'self'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

    /** The body of a resolve request. */
    public record ResolveRequest(Operations.Resolution resolution, String reason) {
    }

    private final Operations operations;
    private final JsonMapper json;
    private final BearerToken token;
    private final ParticipantStates participants;
    private final Map<String, Object> attempts;
    private final byte[] page = resource("index.html");
    private final byte[] script = resource("admin.js");
    private final byte[] style = resource("admin.css");

    /** @param token what {@code Authorization: Bearer} must carry, at least 16 characters */
    public OperatorEndpoint(Operations operations, JsonMapper json, String token) {
        this(operations, json, token, ParticipantStates.NONE, null);
    }

    /**
     * @param participants the guards of the participants this service calls
     * @param recovery     recovery's settings, shown beside them; null when recovery does not run here
     */
    public OperatorEndpoint(Operations operations, JsonMapper json, String token, ParticipantStates participants,
                            RecoveryConfig recovery) {
        this.participants = Objects.requireNonNull(participants, "participants");
        this.attempts = recovery == null ? Map.of() : Map.of("maxAttempts", recovery.maxAttempts(),
                "initialBackoffMillis", recovery.initialBackoff().toMillis(),
                "maxBackoffMillis", recovery.maxBackoff().toMillis());
        this.operations = Objects.requireNonNull(operations, "operations");
        this.json = Objects.requireNonNull(json, "json");
        this.token = new BearerToken(token, "the operator token");
    }

    /** The page at {@link #PAGE_PATH} (and a redirect from {@code /tcc/admin}) and the JSON endpoints at {@link #PATH}. */
    public RouterFunction<ServerResponse> routes() {
        return RouterFunctions.route()
                // relative, so the redirect also works under a servlet context path
                .GET("/tcc/admin", request -> ServerResponse.permanentRedirect(URI.create("admin/")).build())
                .GET(PAGE_PATH, request -> file(page, "text/html; charset=utf-8"))
                .GET(PAGE_PATH + "admin.js", request -> file(script, "text/javascript; charset=utf-8"))
                .GET(PAGE_PATH + "admin.css", request -> file(style, "text/css; charset=utf-8"))
                .GET(PARTICIPANTS_PATH, request -> guarded(request, () -> answer(200,
                        Map.of("recovery", attempts, "participants", participants.states()))))
                .GET(PATH, request -> guarded(request, () -> answer(200, operations.list(
                        request.param("state").filter(s -> !s.isBlank()).map(OperatorEndpoint::state).orElse(null),
                        request.param("flagged").map(Boolean::parseBoolean).orElse(false),
                        Duration.ofSeconds(number(request, "olderThanSeconds", 0)),
                        (int) number(request, "limit", 100)))))
                .GET(PATH + "/{xid}", request -> guarded(request, () -> operations.show(request.pathVariable("xid"))
                        .map(view -> answer(200, view))
                        .orElseGet(() -> answer(404, ErrorBody.of(404, "NO_TRANSACTION", "no transaction "
                                + request.pathVariable("xid"))))))
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
            return answer(401, ErrorBody.of(401, "UNAUTHENTICATED",
                    "a valid 'Authorization: Bearer <token>' header is required"));
        }
        try {
            return action.run();
        } catch (BadInputException e) {
            return answer(400, ErrorBody.of(400, "BAD_REQUEST", e.getMessage()));
        } catch (OperatorActionRefusedException e) {
            return answer(409, ErrorBody.of(409, "REFUSED", e.getMessage()));
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
        return ServerResponse.status(status).contentType(MediaType.APPLICATION_JSON).header("Cache-Control", "no-store")
                .body(json.writeValueAsBytes(body));
    }

    private static ServerResponse file(byte[] content, String contentType) {
        return ServerResponse.ok().contentType(MediaType.parseMediaType(contentType))
                .header("Cache-Control", "no-store")
                .header("Content-Security-Policy", CONTENT_SECURITY_POLICY)
                .header("X-Content-Type-Options", "nosniff")
                .header("Referrer-Policy", "no-referrer")
                .body(content);
    }

    private static byte[] resource(String name) {
        try (InputStream in = OperatorEndpoint.class.getResourceAsStream("admin/" + name)) {
            if (in == null) {
                throw new IllegalStateException("io/tcc/recovery/admin/" + name + " is missing from the tcc-recovery jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("could not read the admin page's " + name, e);
        }
    }
}
