package io.tcc.http;

import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

import org.springframework.http.ResponseEntity;
import org.springframework.web.util.DefaultUriBuilderFactory;
import org.springframework.web.util.UriBuilderFactory;

import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import io.tcc.fence.FencePhase;
import tools.jackson.databind.util.RawValue;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * Sends branch calls to one participant through its {@link BranchExchange}, whose client signs and guards them (see
 * {@link RemoteParticipants#configure}), and classifies what each call observed into the three outcomes. An address is
 * a literal base URL or a group's logical address ({@link ParticipantAddress}). Within one phase-two attempt, a
 * confirm or cancel makes up to {@link RemoteParticipantConfig#phaseTwoCalls()} calls, with exponential backoff and
 * jitter between them; QA's faults and the batching of concurrent confirms and cancels happen here, before the client.
 */
final class HttpBranchTransport {

    private static final Map<String, String> NO_HEADERS = Map.of();

    private final String participant;
    /** The exchange of a group by name (null when there is none), or of this participant's own client for null. */
    private final Function<String, BranchExchange> exchanges;
    private final OutcomeClassifier classifier;
    private final RemoteParticipantConfig config;
    private final ParticipantGuards guards;
    private final Retry phaseTwoRetry;
    private final FaultInjector faults;
    /** Null when every call goes alone. */
    private final PhaseTwoBatcher batcher;
    private final JsonMapper json;
    /** Addresses that answered a batch with 404: an older participant that serves no batches. */
    private final Set<String> servesNoBatches = ConcurrentHashMap.newKeySet();
    private final Map<String, Optional<UriBuilderFactory>> literalAddresses = new ConcurrentHashMap<>();

    /**
     * @param exchanges the exchange of HTTP service group {@code name} (null when there is no such group), and for a
     *                  null name the one this participant's literal addresses go through
     * @param batching  how concurrent confirms and cancels to one address share a request; {@code json} writes them
     */
    HttpBranchTransport(String participant, Function<String, BranchExchange> exchanges, OutcomeClassifier classifier,
                        RemoteParticipantConfig config, FaultInjector faults, ParticipantGuards guards,
                        PhaseTwoBatching batching, JsonMapper json) {
        this.batcher = batching.enabled() ? new PhaseTwoBatcher(batching, this::sendTogether) : null;
        this.json = json;
        this.participant = Objects.requireNonNull(participant, "participant");
        this.exchanges = exchanges;
        this.faults = Objects.requireNonNull(faults, "faults");
        this.classifier = classifier;
        this.config = config;
        this.guards = guards;
        this.phaseTwoRetry = guards.retry(participant, () -> RetryConfig.<CallResult>custom()
                .maxAttempts(config.phaseTwoCalls())
                .intervalFunction(IntervalFunction.ofExponentialRandomBackoff(config.phaseTwoCallBackoff(), 2.0, 0.5))
                .retryOnResult(HttpBranchTransport::worthRetrying)
                .build());
    }

    String participant() {
        return participant;
    }

    /**
     * Unknown, provably not sent, or refused as busy: calling again may succeed. A refusal or violation will not change,
     * nor will an address where no participant endpoint is served.
     */
    private static boolean worthRetrying(CallResult result) {
        return result.outcome() == Outcome.UNKNOWN || result.isBusy()
                || (result.outcome() == Outcome.DEFINITE_FAILURE && result.response() == null && !result.noEndpoint());
    }

    /** One guarded call, through whatever fault QA injected for it, counted by phase and outcome. */
    CallResult call(String address, BranchCall call, byte[] body) {
        CallResult result = send(address, call, body);
        guards.counted(participant, call.phase(), result);
        return result;
    }

    private CallResult send(String address, BranchCall call, byte[] body) {
        // a confirm or cancel may share a request with others bound for the same address
        boolean together = batcher != null && call.phase() != FencePhase.TRY && !servesNoBatches.contains(address);
        FaultInjector.Rule fault = faults.pick(participant, call.action(), call.phase());
        if (fault == null) {
            return together ? batcher.call(address, call, body) : alone(address, call, body);
        }
        // faults apply per branch: a lost request leaves its branch out of the batch, a lost response loses that
        // branch's answer while the rest of its batch is answered
        return inject(fault, together ? () -> batcher.call(address, call, body) : () -> alone(address, call, body));
    }

    private CallResult alone(String address, BranchCall call, byte[] body) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(TccHeaders.XID, call.xid());
        headers.put(TccHeaders.BRANCH, call.branchId());
        headers.put(TccHeaders.ACTION, call.action());
        headers.put(TccHeaders.DEADLINE, Long.toString(call.deadline().toEpochMilli()));
        return exchange(address, call.action(), call.phase(), headers, body);
    }

    /** One request, classified, whatever it answered or threw. */
    private CallResult exchange(String address, String action, FencePhase phase, Map<String, String> headers,
                                byte[] body) {
        try {
            ResponseEntity<byte[]> response = post(address, action, phase, headers, body);
            return classifier.ofResponse(response.getStatusCode().value(), response.getBody());
        } catch (Throwable failure) {
            return classifier.ofFailure(failure);
        }
    }

    /** The one HTTP path of every call and batch: through the group a logical address names, or to a literal URL. */
    private ResponseEntity<byte[]> post(String address, String action, FencePhase phase, Map<String, String> headers,
                                        byte[] body) throws NoAddressException {
        String group = ParticipantAddress.group(address);
        BranchExchange exchange = exchanges.apply(group);
        if (exchange == null) {
            throw new NoAddressException("the branch row names HTTP service group '" + group + "', which this"
                    + " application does not declare, so the request was not sent: declare participant '" + group
                    + "' with @EnableRemoteParticipants (in the standalone daemon: spring.http.serviceclient." + group
                    + ".base-url)");
        }
        return exchange.post(group != null ? Optional.empty() : literal(address), action,
                phase.name().toLowerCase(Locale.ROOT), headers, participant, body);
    }

    private Optional<UriBuilderFactory> literal(String baseUrl) {
        return literalAddresses.computeIfAbsent(baseUrl, url -> Optional.of(new DefaultUriBuilderFactory(
                url.endsWith("/") ? url.substring(0, url.length() - 1) : url)));
    }

    /**
     * Confirms (or cancels) of several branches as one request to {@code POST <address>/tcc/_batch/<phase>}: each
     * branch's answer is classified as that branch's own call would be; an answer for the whole request (unknown,
     * refused, not sent) stands for each branch. A lone call goes out as an ordinary call.
     */
    private List<CallResult> sendTogether(String address, FencePhase phase, List<PhaseTwoBatcher.Call> calls) {
        if (calls.size() == 1) {
            return List.of(alone(address, calls.get(0).call(), calls.get(0).body()));
        }
        List<Map<String, Object>> entries = calls.stream().map(HttpBranchTransport::entry).toList();
        byte[] body = json.writeValueAsBytes(Map.of("entries", entries));
        CallResult whole;
        try {
            ResponseEntity<byte[]> response = post(address, BranchCall.BATCH, phase, NO_HEADERS, body);
            if (response.getStatusCode().value() == 200) {
                return answers(response.getBody(), calls.size());
            }
            whole = classifier.ofResponse(response.getStatusCode().value(), response.getBody());
        } catch (Throwable failure) {
            whole = classifier.ofFailure(failure);
        }
        if (whole.noEndpoint()) {
            // a participant from before batches: it serves calls alone, so they go alone from now on
            servesNoBatches.add(address);
            return calls.stream().map(c -> alone(address, c.call(), c.body())).toList();
        }
        CallResult each = new CallResult(whole.outcome(), whole.response(), "batch of " + calls.size() + ": "
                + whole.detail(), false);
        return calls.stream().map(c -> each).toList();
    }

    /** A batch entry: the call's headers as fields, and its body (the try's arguments, a JSON array) as {@code args}. */
    private static Map<String, Object> entry(PhaseTwoBatcher.Call c) {
        BranchCall call = c.call();
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("xid", call.xid());
        entry.put("branch", call.branchId());
        entry.put("action", call.action());
        entry.put("deadline", call.deadline().toEpochMilli());
        if (c.body().length > 0) {
            entry.put("args", new RawValue(new String(c.body(), StandardCharsets.UTF_8)));
        }
        return entry;
    }

    /** Each branch's answer in a batch's 200, classified alone; an answer that cannot be read is unknown for each. */
    private List<CallResult> answers(byte[] body, int expected) {
        List<BranchResponse> results = null;
        try {
            BatchResponse read = json.readValue(body, BatchResponse.class);
            results = read == null ? null : read.results();
        } catch (JacksonException e) {
            // unreadable: below
        }
        if (results == null || results.size() != expected) {
            CallResult unknown = new CallResult(Outcome.UNKNOWN, null, "HTTP 200 to a batch of " + expected
                    + " without one typed answer per branch: the participant may have acted");
            return Collections.nCopies(expected, unknown);
        }
        return results.stream().map(classifier::ofAnswer).toList();
    }

    /** What the caller would observe if the network did this; the participant sees what it would see. */
    private CallResult inject(FaultInjector.Rule fault, Supplier<CallResult> deliver) {
        String what = "injected " + fault.kind() + ": ";
        switch (fault.kind()) {
            case REQUEST_LOST -> pause(config.callTimeout().toMillis()); // never delivered: the caller waits out its timeout
            case RESPONSE_LOST -> {
                CallResult failed = deliver.get(); // delivered and executed; the answer is lost
                if (failed != null && failed.response() == null && failed.outcome() != Outcome.SUCCESS) {
                    what += "(the request itself failed: " + failed.detail() + ") ";
                }
            }
            case DELAYED -> {
                // delivered later, after the caller gave up: possibly after the cancel that follows
                CompletableFuture.delayedExecutor(fault.delayMillis(), TimeUnit.MILLISECONDS).execute(deliver::get);
                pause(config.callTimeout().toMillis());
            }
            case ERROR -> {
                return new CallResult(Outcome.UNKNOWN, null, what + "the participant answered 500 without acting");
            }
        }
        // classified by the same table as a real timeout; the detail says it was injected
        CallResult observed = classifier.ofFailure(new HttpTimeoutException(what + "timed out"));
        return new CallResult(observed.outcome(), observed.response(), what + observed.detail());
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * A confirm or cancel within one phase-two attempt: called again while the outcome is unknown, the request was not
     * sent or the participant was busy, up to {@link RemoteParticipantConfig#phaseTwoCalls()} calls in all.
     *
     * @param body the try's arguments exactly as the try sent them (signed like any body), or empty for the participant
     *             to read them from its fence row
     */
    CallResult callRetrying(String address, BranchCall call, byte[] body) {
        return phaseTwoRetry.executeSupplier(() -> call(address, call, body));
    }
}
