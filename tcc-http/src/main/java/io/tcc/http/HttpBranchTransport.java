package io.tcc.http;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import io.github.resilience4j.timelimiter.TimeLimiter;
import io.github.resilience4j.timelimiter.TimeLimiterConfig;

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

    HttpBranchTransport(String participant, RequestSigner signer, OutcomeClassifier classifier,
                        RemoteParticipantConfig config, FaultInjector faults, ParticipantGuards guards) {
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
        this.phaseTwoRetry = Retry.of(participant, RetryConfig.<CallResult>custom()
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
        HttpRequest request = request(baseUrl, call, body);
        FaultInjector.Rule fault = faults.pick(participant, call.action(), call.phase());
        if (fault != null) {
            return inject(fault, request);
        }
        try {
            // the bulkhead outside the breaker: a call it refuses was never sent, so it says nothing of the participant
            HttpResponse<byte[]> response = bulkhead.executeCheckedSupplier(() -> breaker.executeCheckedSupplier(
                    () -> limiter.executeFutureSupplier(
                            () -> client.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray()))));
            return classifier.ofResponse(response.statusCode(), response.body());
        } catch (Throwable failure) {
            return classifier.ofFailure(failure);
        }
    }

    /** What the caller would observe if the network did this; the participant sees what it would see. */
    private CallResult inject(FaultInjector.Rule fault, HttpRequest request) {
        String what = "injected " + fault.kind() + ": ";
        switch (fault.kind()) {
            case REQUEST_LOST -> pause(config.callTimeout().toMillis()); // never delivered: the caller waits out its timeout
            case RESPONSE_LOST -> {
                try {
                    client.send(request, HttpResponse.BodyHandlers.discarding()); // delivered and executed; the answer is lost
                } catch (Exception e) {
                    what += "(the request itself failed: " + e + ") ";
                }
            }
            case DELAYED -> {
                // delivered later, after the caller gave up: possibly after the cancel that follows
                CompletableFuture.delayedExecutor(fault.delayMillis(), TimeUnit.MILLISECONDS)
                        .execute(() -> client.sendAsync(request, HttpResponse.BodyHandlers.discarding()));
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
        URI uri = URI.create(stripSlash(baseUrl) + call.path());
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(TccHeaders.XID, call.xid());
        headers.put(TccHeaders.BRANCH, call.branchId());
        headers.put(TccHeaders.ACTION, call.action());
        headers.put(TccHeaders.DEADLINE, Long.toString(call.deadline().toEpochMilli()));
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
