package io.tcc.http;

import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

import org.springframework.web.client.ResourceAccessException;
import org.springframework.web.client.RestClientResponseException;

import io.github.resilience4j.bulkhead.BulkheadFullException;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * The one table that turns what a call observed into an {@link Outcome}:
 *
 * <table>
 * <caption>Outcome classification</caption>
 * <tr><th>observed</th><th>outcome</th></tr>
 * <tr><td>typed SUCCESS with HTTP 200</td><td>SUCCESS</td></tr>
 * <tr><td>typed REJECTED (409), PROTOCOL_VIOLATION (422), BAD_REQUEST (400), UNAUTHORIZED (401), TOO_LARGE (413)
 *     with the matching HTTP code</td><td>DEFINITE_FAILURE: the participant recorded nothing</td></tr>
 * <tr><td>typed BUSY with reason BUSY and HTTP 503</td><td>DEFINITE_FAILURE: the participant refused it before running
 *     anything (too many branch calls running there); worth calling again later</td></tr>
 * <tr><td>connection refused; connect timeout; circuit breaker open; bulkhead full</td><td>DEFINITE_FAILURE: never
 *     sent</td></tr>
 * <tr><td>no base URL configured for the participant</td><td>DEFINITE_FAILURE, {@link CallResult#noEndpoint()}: never
 *     sent, and calling again cannot help until the configuration changes</td></tr>
 * <tr><td>HTTP 404 without a typed TCC answer</td><td>DEFINITE_FAILURE, {@link CallResult#noEndpoint()}: no participant
 *     endpoint is served at that address, so no TCC code ran (a participant's own endpoint never answers 404: an
 *     action it does not know is a typed BAD_REQUEST)</td></tr>
 * <tr><td>any other 5xx (typed ERROR, and BUSY for a lost lock conflict, included)</td><td>UNKNOWN</td></tr>
 * <tr><td>a body that does not parse, or whose status disagrees with the HTTP code; any other code</td><td>UNKNOWN</td></tr>
 * <tr><td>timeout after sending; connection reset or closed; any other I/O error</td><td>UNKNOWN</td></tr>
 * </table>
 */
public final class OutcomeClassifier {

    private final JsonMapper json;

    public OutcomeClassifier(JsonMapper json) {
        this.json = json;
    }

    public CallResult ofResponse(int httpStatus, byte[] body) {
        return ofResponse(httpStatus, read(body));
    }

    /**
     * One branch's answer within a batch, classified exactly as the same answer to that branch's call alone, which
     * would have come with the HTTP code its status names.
     */
    public CallResult ofAnswer(BranchResponse answer) {
        return ofResponse(answer == null || answer.status() == null ? 200 : answer.status().httpStatus(), answer);
    }

    private CallResult ofResponse(int httpStatus, BranchResponse response) {
        if (httpStatus == 503 && response != null && response.status() == BranchResponse.Status.BUSY
                && "BUSY".equals(response.reason())) {
            // the participant's gate answers this before any of its TCC code runs, and holds nothing back to run later
            return new CallResult(Outcome.DEFINITE_FAILURE, response, "BUSY: the participant did nothing"
                    + (response.message() == null ? "" : " (" + response.message() + ")"));
        }
        if (httpStatus >= 500) {
            return new CallResult(Outcome.UNKNOWN, response, "HTTP " + httpStatus + ": the participant may have acted");
        }
        if (httpStatus == 404 && (response == null || response.status() == null)) {
            return new CallResult(Outcome.DEFINITE_FAILURE, null, "HTTP 404: no TCC participant endpoint is served at"
                    + " this address, so nothing ran there", true);
        }
        if (response == null || response.status() == null || response.status().httpStatus() != httpStatus) {
            return new CallResult(Outcome.UNKNOWN, null, "HTTP " + httpStatus + " without a typed TCC answer");
        }
        Outcome outcome = switch (response.status()) {
            case SUCCESS -> Outcome.SUCCESS;
            case REJECTED, PROTOCOL_VIOLATION, BAD_REQUEST, UNAUTHORIZED, TOO_LARGE -> Outcome.DEFINITE_FAILURE;
            case BUSY, ERROR -> Outcome.UNKNOWN; // unreachable below 500; kept so the table is total
        };
        return new CallResult(outcome, response, response.status() + (response.message() == null ? "" : ": " + response.message()));
    }

    /**
     * What a call that threw observed: a client's exception for an answer it did not like is that answer, classified
     * like any other; everything else by the table.
     */
    public CallResult ofFailure(Throwable failure) {
        Throwable cause = unwrap(failure);
        if (cause instanceof RestClientResponseException answered) {
            return ofResponse(answered.getStatusCode().value(), answered.getResponseBodyAsByteArray());
        }
        if (cause instanceof NoAddressException) {
            return new CallResult(Outcome.DEFINITE_FAILURE, null, cause.getMessage(), true);
        }
        if (cause instanceof HttpConnectTimeoutException) {
            return new CallResult(Outcome.DEFINITE_FAILURE, null, "connect timed out: the request was never sent");
        }
        if (cause instanceof ConnectException) {
            return new CallResult(Outcome.DEFINITE_FAILURE, null, "connection refused: the request was never sent");
        }
        if (cause instanceof CallNotPermittedException) {
            return new CallResult(Outcome.DEFINITE_FAILURE, null, "circuit breaker open: the request was not sent");
        }
        if (cause instanceof BulkheadFullException) {
            return new CallResult(Outcome.DEFINITE_FAILURE, null, "too many calls to this participant in flight"
                    + " (max-concurrent-calls): the request was not sent");
        }
        if (cause instanceof HttpTimeoutException || cause instanceof TimeoutException) {
            return new CallResult(Outcome.UNKNOWN, null, "timed out after sending: the participant may have acted");
        }
        if (cause instanceof IOException) {
            return new CallResult(Outcome.UNKNOWN, null, "I/O failure after sending (" + cause + "): the participant may have acted");
        }
        return new CallResult(Outcome.UNKNOWN, null, "unexpected failure: " + cause);
    }

    private static Throwable unwrap(Throwable failure) {
        Throwable t = failure;
        while ((t instanceof CompletionException || t instanceof ExecutionException
                || t instanceof ResourceAccessException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private BranchResponse read(byte[] body) {
        if (body == null || body.length == 0) {
            return null;
        }
        try {
            return json.readValue(body, BranchResponse.class);
        } catch (JacksonException e) {
            return null;
        }
    }
}
