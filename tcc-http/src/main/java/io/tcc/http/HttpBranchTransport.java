package io.tcc.http;

import java.nio.charset.StandardCharsets;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import io.github.resilience4j.timelimiter.TimeLimiter;
import io.github.resilience4j.timelimiter.TimeLimiterConfig;
import io.tcc.fence.FencePhase;
import tools.jackson.databind.util.RawValue;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * Sends branch calls to one participant: signed, time-limited, behind that participant's bulkhead and circuit breaker,
 * and classified into the three outcomes. Within one phase-two attempt, a confirm or cancel makes up to
 * {@link RemoteParticipantConfig#phaseTwoCalls()} calls, with exponential backoff and jitter between them.
 */
final class HttpBranchTransport {

    private final String participant;
    private final HttpClient client;
    private final RequestSigner signer;
    private final OutcomeClassifier classifier;
    private final RemoteParticipantConfig config;
    private final CircuitBreaker breaker;
    private final Bulkhead bulkhead;
    private final ParticipantGuards guards;
    private final TimeLimiter limiter;
    private final Retry phaseTwoRetry;
    private final FaultInjector faults;
    /** Null when every call goes alone. */
    private final PhaseTwoBatcher batcher;
    private final JsonMapper json;
    /** Addresses that answered a batch with 404: an older participant that serves no batches. */
    private final Set<String> servesNoBatches = ConcurrentHashMap.newKeySet();

    HttpBranchTransport(String participant, RequestSigner signer, OutcomeClassifier classifier,
                        RemoteParticipantConfig config, FaultInjector faults, ParticipantGuards guards) {
        this(participant, signer, classifier, config, faults, guards, PhaseTwoBatching.disabled(), null);
    }

    /** @param batching how concurrent confirms and cancels to one address share a request; {@code json} writes them */
    HttpBranchTransport(String participant, RequestSigner signer, OutcomeClassifier classifier,
                        RemoteParticipantConfig config, FaultInjector faults, ParticipantGuards guards,
                        PhaseTwoBatching batching, JsonMapper json) {
        this.batcher = batching.enabled() ? new PhaseTwoBatcher(batching, this::sendTogether) : null;
        this.json = json;
        this.participant = Objects.requireNonNull(participant, "participant");
        this.faults = Objects.requireNonNull(faults, "faults");
        this.client = HttpClient.newBuilder().connectTimeout(config.connectTimeout()).build();
        this.signer = signer;
        this.classifier = classifier;
        this.config = config;
        this.guards = guards;
        this.breaker = guards.circuitBreaker(participant, config);
        this.bulkhead = guards.bulkhead(participant, config);
        this.limiter = TimeLimiter.of(participant, TimeLimiterConfig.custom().timeoutDuration(config.callTimeout())
                .cancelRunningFuture(true).build());
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
    CallResult call(String baseUrl, BranchCall call, byte[] body) {
        CallResult result = send(baseUrl, call, body);
        guards.counted(participant, call.phase(), result);
        return result;
    }

    private CallResult send(String baseUrl, BranchCall call, byte[] body) {
        // a confirm or cancel may share a request with others bound for baseUrl
        boolean together = batcher != null && call.phase() != FencePhase.TRY && !servesNoBatches.contains(baseUrl);
        FaultInjector.Rule fault = faults.pick(participant, call.action(), call.phase());
        if (fault == null) {
            return together ? batcher.call(baseUrl, call, body) : exchange(request(baseUrl, call, body));
        }
        // faults apply per branch: a lost request leaves its branch out of the batch, a lost response loses that
        // branch's answer while the rest of its batch is answered
        HttpRequest request = request(baseUrl, call, body);
        return inject(fault, together ? () -> batcher.call(baseUrl, call, body) : () -> {
            try {
                client.send(request, HttpResponse.BodyHandlers.discarding());
            } catch (Exception e) {
                return classifier.ofFailure(e);
            }
            return null;
        });
    }

    /** One guarded request, classified: the bulkhead, the breaker and the time limit, as for every call. */
    private CallResult exchange(HttpRequest request) {
        try {
            HttpResponse<byte[]> response = guarded(request);
            return classifier.ofResponse(response.statusCode(), response.body());
        } catch (Throwable failure) {
            return classifier.ofFailure(failure);
        }
    }

    private HttpResponse<byte[]> guarded(HttpRequest request) throws Throwable {
        // the bulkhead outside the breaker: a call it refuses was never sent, so it says nothing of the participant
        return bulkhead.executeCheckedSupplier(() -> breaker.executeCheckedSupplier(
                () -> limiter.executeFutureSupplier(
                        () -> client.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray()))));
    }

    /**
     * Confirms (or cancels) of several branches as one request to {@code POST <baseUrl>/tcc/_batch/<phase>}: each
     * branch's answer is classified as that branch's own call would be; an answer for the whole request (unknown,
     * refused, not sent) stands for each branch. A lone call goes out as an ordinary call.
     */
    private List<CallResult> sendTogether(String baseUrl, FencePhase phase, List<PhaseTwoBatcher.Call> calls) {
        if (calls.size() == 1) {
            return List.of(exchange(request(baseUrl, calls.get(0).call(), calls.get(0).body())));
        }
        List<Map<String, Object>> entries = calls.stream().map(HttpBranchTransport::entry).toList();
        byte[] body = json.writeValueAsBytes(Map.of("entries", entries));
        Map<String, String> headers = new LinkedHashMap<>();
        HttpRequest request = request(baseUrl, BranchCall.batchPath(phase), headers, body);
        CallResult whole;
        try {
            HttpResponse<byte[]> response = guarded(request);
            if (response.statusCode() == 200) {
                return answers(response.body(), calls.size());
            }
            whole = classifier.ofResponse(response.statusCode(), response.body());
        } catch (Throwable failure) {
            whole = classifier.ofFailure(failure);
        }
        if (whole.noEndpoint()) {
            // a participant from before batches: it serves calls alone, so they go alone from now on
            servesNoBatches.add(baseUrl);
            return calls.stream().map(c -> exchange(request(baseUrl, c.call(), c.body()))).toList();
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
            return java.util.Collections.nCopies(expected, unknown);
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
    CallResult callRetrying(String baseUrl, BranchCall call, byte[] body) {
        return phaseTwoRetry.executeSupplier(() -> call(baseUrl, call, body));
    }

    private HttpRequest request(String baseUrl, BranchCall call, byte[] body) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(TccHeaders.XID, call.xid());
        headers.put(TccHeaders.BRANCH, call.branchId());
        headers.put(TccHeaders.ACTION, call.action());
        headers.put(TccHeaders.DEADLINE, Long.toString(call.deadline().toEpochMilli()));
        return request(baseUrl, call.path(), headers, body);
    }

    /** A signed POST of {@code body} with {@code headers} (the transaction's, for a call alone; none for a batch). */
    private HttpRequest request(String baseUrl, String path, Map<String, String> headers, byte[] body) {
        URI uri = URI.create(stripSlash(baseUrl) + path);
        if (signer != null) {
            headers.put(TccHeaders.TIMESTAMP, Long.toString(signer.now()));
            signer.sign("POST", uri.getRawPath(), headers, body);
        }
        HttpRequest.Builder builder = HttpRequest.newBuilder(uri)
                // a second guard behind the time limiter, so no request outlives its caller for long
                .timeout(config.callTimeout().plus(config.callTimeout()))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach(builder::header);
        return builder.build();
    }

    private static String stripSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}
