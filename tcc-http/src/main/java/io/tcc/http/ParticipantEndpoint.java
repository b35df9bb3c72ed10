package io.tcc.http;

import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.http.MediaType;
import org.springframework.web.filter.ServerHttpObservationFilter;
import org.springframework.web.servlet.function.RouterFunction;
import org.springframework.web.servlet.function.RouterFunctions;
import org.springframework.web.servlet.function.ServerRequest;
import org.springframework.web.servlet.function.ServerResponse;

import io.micrometer.common.KeyValue;
import io.tcc.BadInputException;
import io.tcc.participant.BusinessMethodException;
import io.tcc.context.TransactionContext;
import io.tcc.fence.Fence;
import io.tcc.fence.FenceConflictException;
import io.tcc.fence.FencePhase;
import io.tcc.fence.FenceResult;
import io.tcc.fence.LocalTransactionLostException;
import io.tcc.fence.ProtocolViolationException;
import io.tcc.fence.TryRefusedException;
import io.tcc.participant.ActionDescriptor;
import io.tcc.participant.ArgumentCodecException;
import io.tcc.participant.LocalParticipant;
import io.tcc.participant.PendingBranch;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.MapperFeature;
import tools.jackson.databind.cfg.CoercionAction;
import tools.jackson.databind.cfg.CoercionInputShape;
import tools.jackson.databind.cfg.MutableCoercionConfig;
import tools.jackson.databind.type.LogicalType;
import tools.jackson.databind.json.JsonMapper;

/**
 * The participant's side of the wire: {@code POST /tcc/<action>/<try|confirm|cancel>} on the service's own server,
 * run through the fence, answered with a typed {@link BranchResponse}. Nothing is recorded for a malformed request
 * (400); {@link BranchCallGate}, in front, has already refused the unauthenticated (401), too large (413) and too slow
 * (400) ones. Register {@link #routes()} as a bean.
 */
public final class ParticipantEndpoint {

    private static final Logger log = LoggerFactory.getLogger(ParticipantEndpoint.class);

    private final LocalParticipant participant;
    private final JsonMapper json;
    /** Reads try arguments exactly as declared: no fraction to integer, no string to number, no unknown fields. */
    private final JsonMapper arguments;
    private final RepeatedFailures failures = new RepeatedFailures(10_000);
    private final BranchCallLimit limit;
    private final int maxBatchEntries;
    public static final int DEFAULT_MAX_BATCH_ENTRIES = 100;

    /** Serves calls that {@link BranchCallGate} let through, with no bound on how many run at once. */
    public ParticipantEndpoint(LocalParticipant participant, JsonMapper json) {
        this(participant, json, BranchCallLimit.unbounded());
    }

    /**
     * Serves calls that {@link BranchCallGate} let through: it must stand in front as a servlet filter.
     *
     * @param limit bounds the calls running at once; one past the bound is answered BUSY before anything runs
     */
    public ParticipantEndpoint(LocalParticipant participant, JsonMapper json, BranchCallLimit limit) {
        this(participant, json, limit, DEFAULT_MAX_BATCH_ENTRIES);
    }

    /**
     * @param maxBatchEntries the most entries one batch of confirms or cancels may hold
     *                        ({@code tcc.http.participant.max-batch-entries}); 0 serves no batches (they answer 404,
     *                        and callers send each call alone)
     */
    public ParticipantEndpoint(LocalParticipant participant, JsonMapper json, BranchCallLimit limit, int maxBatchEntries) {
        if (maxBatchEntries < 0) {
            throw new IllegalArgumentException("tcc.http.participant.max-batch-entries must not be negative, was "
                    + maxBatchEntries);
        }
        this.maxBatchEntries = maxBatchEntries;
        this.limit = Objects.requireNonNull(limit, "limit");
        this.participant = Objects.requireNonNull(participant, "participant");
        this.json = Objects.requireNonNull(json, "json");
        this.arguments = strict(json);
    }

    public RouterFunction<ServerResponse> routes() {
        // only the three phases, so other paths under /tcc/ (the admin endpoints) stay free
        RouterFunctions.Builder routes = RouterFunctions.route();
        if (maxBatchEntries > 0) {
            routes.POST(TccHeaders.PATH_PREFIX + BranchCall.BATCH + "/{phase:confirm|cancel}", this::handleBatch);
        }
        return routes.POST(TccHeaders.PATH_PREFIX + "{action}/{phase:try|confirm|cancel}", this::handle).build();
    }

    /**
     * {@code POST /tcc/_batch/<confirm|cancel>}: several branches' calls of one phase in one local transaction, each
     * answered as it would be alone. Every entry is checked before anything runs: one malformed entry makes the whole
     * request a 400 naming it, and nothing is recorded.
     */
    private ServerResponse handleBatch(ServerRequest request) {
        if (!(request.servletRequest().getAttribute(BranchCallGate.BODY) instanceof byte[] body)) {
            log.error("a batch to {} reached the participant endpoint without passing BranchCallGate", request.path());
            return answer(BranchResponse.Status.ERROR, null, "INTERNAL", "the participant is misconfigured; nothing"
                    + " was recorded");
        }
        List<BatchEntries.Entry> entries;
        try {
            entries = BatchEntries.parse(json, body, request.pathVariable("phase"), maxBatchEntries);
        } catch (BatchEntries.TooManyException e) {
            return answer(BranchResponse.Status.TOO_LARGE, null, "TOO_LARGE", e.getMessage());
        } catch (BadInputException e) {
            return answer(BranchResponse.Status.BAD_REQUEST, null, "BAD_REQUEST", e.getMessage());
        }
        List<BranchCall> calls = entries.stream().map(BatchEntries.Entry::call).toList();
        return limit.runBatch(calls, running -> {
            List<PendingBranch> branches = new ArrayList<>();
            List<Object[]> carried = new ArrayList<>();
            for (int i = 0; i < calls.size(); i++) {
                if (!running[i]) {
                    BranchCall call = calls.get(i);
                    branches.add(new PendingBranch(call.key(), call.action(), null, call.deadline()));
                    carried.add(carried(call, entries.get(i).args()));
                }
            }
            Iterator<Fence.Settled> settled = participant.phaseTwoTogether(calls.get(0).phase(), branches, carried)
                    .iterator();
            List<BranchResponse> results = new ArrayList<>(calls.size());
            for (int i = 0; i < calls.size(); i++) {
                BranchCall call = calls.get(i);
                if (running[i]) {
                    results.add(typed(BranchResponse.Status.BUSY, null, "BUSY", "the same " + phase(call) + " is still"
                            + " running here; nothing was done, call again later"));
                    continue;
                }
                Fence.Settled done = settled.next();
                try (MDC.MDCCloseable ignored = MDC.putCloseable(TransactionContext.MDC_KEY, call.xid())) {
                    results.add(done.result() != null ? succeeded(done.result()) : failed(call, done.failure()));
                }
            }
            return ServerResponse.ok().contentType(MediaType.APPLICATION_JSON)
                    .body(json.writeValueAsBytes(new BatchResponse(results)));
        }, busy -> answer(BranchResponse.Status.BUSY, null, "BUSY", busy));
    }

    private ServerResponse handle(ServerRequest request) {
        // the gate authenticated the call and read its body within bounds, before anything else could
        if (!(request.servletRequest().getAttribute(BranchCallGate.BODY) instanceof byte[] body)) {
            log.error("a branch call to {} reached the participant endpoint without passing BranchCallGate: register"
                    + " the gate as a servlet filter in front of it (Boot does, unless a bean replaced it)", request.path());
            return answer(BranchResponse.Status.ERROR, null, "INTERNAL", "the participant is misconfigured; nothing"
                    + " was recorded");
        }
        UnaryOperator<String> header = name -> request.headers().firstHeader(name);
        BranchCall call;
        try {
            call = BranchCall.parse(request.pathVariable("action"), request.pathVariable("phase"), header);
        } catch (BadInputException e) {
            return answer(BranchResponse.Status.BAD_REQUEST, null, "BAD_REQUEST", e.getMessage());
        }
        observeXid(request, call.xid());
        try (MDC.MDCCloseable ignored = MDC.putCloseable(TransactionContext.MDC_KEY, call.xid())) {
            return limit.run(call, () -> run(call, body), busy -> answer(BranchResponse.Status.BUSY, null, "BUSY", busy));
        }
    }

    /**
     * Names the xid on the server request's observation (Spring's {@code http.server.requests}, when the service
     * observes its requests), so that the request's span carries it like the fenced call's inside it. A batch's
     * request names none: each entry's {@code tcc.participant} inside it names its own.
     */
    private static void observeXid(ServerRequest request, String xid) {
        ServerHttpObservationFilter.findObservationContext(request.servletRequest())
                .ifPresent(context -> context.addHighCardinalityKeyValue(KeyValue.of("tcc.xid", xid)));
    }

    private ServerResponse run(BranchCall call, byte[] body) {
        try {
            FenceResult<?> result = switch (call.phase()) {
                case TRY -> tryBranch(call, body);
                case CONFIRM, CANCEL -> phaseTwo(call, body);
            };
            return answer(succeeded(result));
        } catch (Throwable e) {
            return answer(failed(call, e));
        }
    }

    private BranchResponse succeeded(FenceResult<?> result) {
        JsonNode value = result.value() == null ? null : json.valueToTree(result.value());
        return new BranchResponse(BranchResponse.Status.SUCCESS, result.outcome().name(), null, null, value);
    }

    /** The one table from what a fenced call threw to its typed answer, for a call alone and a call in a batch. */
    private BranchResponse failed(BranchCall call, Throwable failure) {
        try {
            throw failure;
        } catch (TryRefusedException e) {
            return typed(BranchResponse.Status.REJECTED, null, e.reason().name(), e.getMessage());
        } catch (BusinessMethodException e) {
            Throwable business = e.getCause();
            if (call.phase() == FencePhase.TRY) {
                // the try method's own refusal: the one text a business writes for its callers
                return typed(BranchResponse.Status.REJECTED, null, "BUSINESS", business.getMessage());
            }
            logRepeated(call, "failed in its business method", business);
            return typed(BranchResponse.Status.ERROR, null, "BUSINESS_FAILED", "the business " + phase(call)
                    + " failed at the participant; the branch keeps its state and the call may be repeated");
        } catch (LocalTransactionLostException e) {
            // nothing committed: a definite "no" for a try; a confirm or cancel is retried
            log.warn("{} of {} lost its local transaction: {}", call.phase(), call.key(), e.getMessage());
            String safe = "the business " + phase(call) + " returned, but had swallowed an error of its own SQL: nothing"
                    + " was committed";
            return call.phase() == FencePhase.TRY
                    ? typed(BranchResponse.Status.REJECTED, null, "TRANSACTION_LOST", safe)
                    : typed(BranchResponse.Status.ERROR, null, "TRANSACTION_LOST", safe + "; the call may be repeated");
        } catch (ProtocolViolationException e) {
            log.warn("{}", e.getMessage());
            return typed(BranchResponse.Status.PROTOCOL_VIOLATION, null, "PROTOCOL_VIOLATION", e.getMessage());
        } catch (BadInputException e) {
            return typed(BranchResponse.Status.BAD_REQUEST, null, "BAD_REQUEST", e.getMessage());
        } catch (ArgumentCodecException e) {
            // a try's arguments that cannot be recorded are the caller's to change; a recorded text that cannot be read
            // back is the participant's problem, and its confirm or cancel is retried
            log.warn("{} of {}: {}", call.phase(), call.key(), e.getMessage());
            return call.phase() == FencePhase.TRY
                    ? typed(BranchResponse.Status.BAD_REQUEST, null, "BAD_REQUEST", "the arguments cannot be recorded"
                            + " by the participant's argument codec; nothing was recorded")
                    : typed(BranchResponse.Status.ERROR, null, "INTERNAL", "the participant cannot read the recorded"
                            + " arguments back; the branch keeps its state, and the call may be repeated");
        } catch (FenceConflictException e) {
            log.warn("{}", e.getMessage());
            return typed(BranchResponse.Status.BUSY, null, "CONFLICT", "the participant lost lock conflicts; nothing was"
                    + " recorded, call again");
        } catch (Throwable e) {
            // SQL, stack traces and class names stay in this log, with the xid: never in an answer
            logRepeated(call, "failed", e);
            return typed(BranchResponse.Status.ERROR, null, "INTERNAL", "the participant could not run the " + phase(call)
                    + "; nothing was recorded, and the call may be repeated");
        }
    }

    /** Every retry of a failing confirm repeats its failure: the stack trace once, then its cause in a line. */
    private void logRepeated(BranchCall call, String what, Throwable failure) {
        if (failures.isFirst(call.key() + " " + call.phase())) {
            log.error("{} of {} {}: {}; the initiator will retry it", call.phase(), call.key(), what, failure.toString(),
                    failure);
        } else {
            log.warn("{} of {} {} again: {}; the initiator will retry it", call.phase(), call.key(), what,
                    failure.toString());
        }
    }

    private static String phase(BranchCall call) {
        return call.phase().name().toLowerCase(java.util.Locale.ROOT);
    }

    private FenceResult<?> tryBranch(BranchCall call, byte[] body) throws Throwable {
        ActionDescriptor action = participant.registry().forAction(call.action());
        return participant.tryForCaller(action, call.key(), call.deadline(), arguments(action, body));
    }

    /**
     * A confirm or cancel. With the try's arguments in its body (the initiator kept them), they are bound as strictly as
     * the try's and the fence checks their encoding against its row; without (recovery), or with a body that does not
     * bind, the fence reads the recorded ones.
     */
    private FenceResult<?> phaseTwo(BranchCall call, byte[] body) throws Throwable {
        boolean confirm = call.phase() == FencePhase.CONFIRM;
        Object[] carried = null;
        if (body.length > 0) {
            try {
                carried = carried(call, readTree(body));
            } catch (BadInputException e) {
                log.warn("{} of {} carried a body that is not JSON ({}): replaying the arguments its try recorded",
                        call.phase(), call.key(), e.getMessage());
            }
        }
        if (carried == null) {
            return confirm ? participant.confirm(call.key(), call.action(), call.deadline())
                    : participant.cancel(call.key(), call.action(), call.deadline());
        }
        return confirm ? participant.confirm(call.key(), call.action(), call.deadline(), carried)
                : participant.cancel(call.key(), call.action(), call.deadline(), carried);
    }

    static JsonMapper strict(JsonMapper json) {
        return json.rebuild()
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .withCoercionConfig(LogicalType.Integer, refuse(CoercionInputShape.Float, CoercionInputShape.String,
                        CoercionInputShape.Boolean, CoercionInputShape.EmptyString))
                .withCoercionConfig(LogicalType.Float, refuse(CoercionInputShape.String, CoercionInputShape.Boolean,
                        CoercionInputShape.EmptyString))
                .withCoercionConfig(LogicalType.Boolean, refuse(CoercionInputShape.Integer, CoercionInputShape.String,
                        CoercionInputShape.EmptyString))
                .withCoercionConfig(LogicalType.Textual, refuse(CoercionInputShape.Integer, CoercionInputShape.Float,
                        CoercionInputShape.Boolean))
                .build();
    }

    private static Consumer<MutableCoercionConfig> refuse(CoercionInputShape... shapes) {
        return config -> {
            for (CoercionInputShape shape : shapes) {
                config.setCoercion(shape, CoercionAction.Fail);
            }
        };
    }

    /**
     * The try's arguments a confirm or cancel carries, bound as strictly as the try's; null when it carries none, or
     * ones that do not bind (then the fence replays the recorded ones, so nothing is lost but the saved read).
     */
    private Object[] carried(BranchCall call, JsonNode args) {
        if (args == null) {
            return null;
        }
        try {
            return arguments(participant.registry().forAction(call.action()), args);
        } catch (BadInputException e) {
            log.warn("{} of {} carried arguments that do not bind ({}): replaying the ones its try recorded",
                    call.phase(), call.key(), e.getMessage());
            return null;
        } catch (RuntimeException unknownAction) {
            return null; // the fenced call itself refuses it, as it would without arguments
        }
    }

    private JsonNode readTree(byte[] body) {
        try {
            return json.readTree(body);
        } catch (JacksonException e) {
            throw new BadInputException("the body is not JSON: " + e.getOriginalMessage());
        }
    }

    private Object[] arguments(ActionDescriptor action, byte[] body) {
        return arguments(action, readTree(body));
    }

    private Object[] arguments(ActionDescriptor action, JsonNode array) {
        Type[] types = action.tryMethod().getGenericParameterTypes();
        if (array == null || !array.isArray() || array.size() != types.length) {
            throw new BadInputException("the body must be a JSON array of the " + types.length + " arguments of action '"
                    + action.action() + "'");
        }
        Object[] args = new Object[types.length];
        for (int i = 0; i < types.length; i++) {
            try {
                args[i] = arguments.treeToValue(array.get(i), arguments.getTypeFactory().constructType(types[i]));
            } catch (JacksonException e) {
                // Jackson's own text names Java classes: the caller gets the field and the declared type's simple name
                throw new BadInputException("argument " + i + field(e) + " of action '" + action.action() + "' is not a "
                        + types[i].getTypeName().replaceAll("[a-z][a-z0-9_]*\\.", "").replace('$', '.')
                        + " (no coercion: strings, numbers and booleans as declared, no unknown fields)");
            }
        }
        return args;
    }

    private static String field(JacksonException e) {
        StringBuilder path = new StringBuilder();
        for (JacksonException.Reference reference : e.getPath()) {
            path.append(reference.getPropertyName() != null ? "." + reference.getPropertyName() : "[" + reference.getIndex() + "]");
        }
        return path.isEmpty() ? "" : " (at " + path.substring(path.charAt(0) == '.' ? 1 : 0) + ")";
    }

    private static BranchResponse typed(BranchResponse.Status status, String outcome, String reason, String message) {
        return new BranchResponse(status, outcome, reason, message, null);
    }

    private ServerResponse answer(BranchResponse response) {
        return ServerResponse.status(response.status().httpStatus()).contentType(MediaType.APPLICATION_JSON)
                .body(json.writeValueAsBytes(response));
    }

    private ServerResponse answer(BranchResponse.Status status, String outcome, String reason, String message) {
        return answer(typed(status, outcome, reason, message));
    }
}
