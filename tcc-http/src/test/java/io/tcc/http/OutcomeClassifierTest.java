package io.tcc.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;
import org.springframework.web.client.HttpClientErrorException;
import org.springframework.web.client.ResourceAccessException;

import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadFullException;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.tcc.http.boot.JsonErrors;
import tools.jackson.databind.json.JsonMapper;

class OutcomeClassifierTest {

    private final JsonMapper json = JsonMapper.builder().build();
    private final OutcomeClassifier classifier = new OutcomeClassifier(json);

    private byte[] typed(BranchResponse.Status status) {
        return json.writeValueAsBytes(new BranchResponse(status, null, null, "m", null));
    }

    @Test
    void everyTypedAnswerWithItsOwnCodeIsClassifiedByTheTable() {
        for (BranchResponse.Status status : BranchResponse.Status.values()) {
            Outcome expected = switch (status) {
                case SUCCESS -> Outcome.SUCCESS;
                case REJECTED, PROTOCOL_VIOLATION, BAD_REQUEST, UNAUTHORIZED, TOO_LARGE -> Outcome.DEFINITE_FAILURE;
                case BUSY, ERROR -> Outcome.UNKNOWN;
            };
            assertEquals(expected, classifier.ofResponse(status.httpStatus(), typed(status)).outcome(), status.name());
        }
        assertTrue(classifier.ofResponse(422, typed(BranchResponse.Status.PROTOCOL_VIOLATION)).isProtocolViolation());
    }

    @Test
    void aBusyAnswerFromTheParticipantsGateIsADefiniteFailureButALostLockConflictStaysUnknown() {
        byte[] gate = json.writeValueAsBytes(new BranchResponse(BranchResponse.Status.BUSY, null, "BUSY", "m", null));
        CallResult busy = classifier.ofResponse(503, gate);
        assertEquals(Outcome.DEFINITE_FAILURE, busy.outcome(), busy.detail());
        assertTrue(busy.isBusy());
        byte[] conflict = json.writeValueAsBytes(new BranchResponse(BranchResponse.Status.BUSY, null, "CONFLICT", "m", null));
        assertEquals(Outcome.UNKNOWN, classifier.ofResponse(503, conflict).outcome());
        assertEquals(Outcome.UNKNOWN, classifier.ofResponse(500, gate).outcome(), "status and HTTP code disagree");
    }

    @Test
    void whatARestClientThrowsIsClassifiedAsWhatItWraps() {
        // an answer a client's status handler turned into an exception is that answer
        CallResult refused = classifier.ofFailure(HttpClientErrorException.create(HttpStatus.CONFLICT, "Conflict",
                null, typed(BranchResponse.Status.REJECTED), null));
        assertEquals(Outcome.DEFINITE_FAILURE, refused.outcome(), refused.detail());
        assertEquals(BranchResponse.Status.REJECTED, refused.response().status());
        // an I/O failure arrives wrapped in ResourceAccessException: the wrapped one decides
        assertEquals(Outcome.DEFINITE_FAILURE, classifier.ofFailure(new ResourceAccessException("I/O error",
                new ConnectException("Connection refused"))).outcome(), "connection refused: never sent");
        assertEquals(Outcome.UNKNOWN, classifier.ofFailure(new ResourceAccessException("I/O error",
                new HttpTimeoutException("request timed out"))).outcome(), "timed out after sending");
        // no base URL: nothing sent, and not worth calling again until the configuration changes
        CallResult nowhere = classifier.ofFailure(new ResourceAccessException("I/O error",
                new NoAddressException("participant 'inventory' has no base URL")));
        assertEquals(Outcome.DEFINITE_FAILURE, nowhere.outcome());
        assertTrue(nowhere.noEndpoint(), nowhere.detail());
    }

    @Test
    void anythingTheParticipantDidNotClearlySayIsUnknown() {
        assertEquals(Outcome.UNKNOWN, classifier.ofResponse(200, "not json".getBytes()).outcome());
        assertEquals(Outcome.UNKNOWN, classifier.ofResponse(200, new byte[0]).outcome());
        assertEquals(Outcome.UNKNOWN, classifier.ofResponse(200, typed(BranchResponse.Status.REJECTED)).outcome(),
                "status and HTTP code disagree");
        assertEquals(Outcome.UNKNOWN, classifier.ofResponse(502, "<html>bad gateway</html>".getBytes()).outcome());
        assertEquals(Outcome.UNKNOWN, classifier.ofResponse(503, typed(BranchResponse.Status.SUCCESS)).outcome());
        assertEquals(Outcome.UNKNOWN, classifier.ofResponse(302, new byte[0]).outcome());
    }

    @Test
    void aPlain404MeansNoParticipantEndpointIsServedThereADefiniteFailureNotWorthRetrying() {
        // what Spring Boot answers for a path nothing serves: its own error body, not a typed TCC answer
        CallResult result = classifier.ofResponse(404,
                "{\"timestamp\":\"2025-01-01T00:00:00Z\",\"status\":404,\"error\":\"Not Found\",\"path\":\"/tcc/a/cancel\"}".getBytes());
        assertEquals(Outcome.DEFINITE_FAILURE, result.outcome());
        assertTrue(result.noEndpoint(), result.detail());
        assertTrue(classifier.ofResponse(404, new byte[0]).noEndpoint());
        assertFalse(classifier.ofResponse(400, typed(BranchResponse.Status.BAD_REQUEST)).noEndpoint(),
                "a participant's own endpoint answers an action it does not know with a typed 400");
    }

    @Test
    void theServersOwnJsonErrorsClassifyAsTheirCodesSay() {
        // what a participant's server answers before any endpoint runs (JsonErrors): a 404 still means no endpoint,
        // a 400 (a header too large, a request line Tomcat could not parse) is definite: nothing ran
        CallResult notFound = classifier.ofResponse(404, JsonErrors.bytes(JsonErrors.describe(404, false)));
        assertTrue(notFound.noEndpoint(), notFound.detail());
        assertEquals(Outcome.DEFINITE_FAILURE, classifier.ofResponse(400, JsonErrors.bytes(JsonErrors.describe(400, true))).outcome());
        assertEquals(Outcome.UNKNOWN, classifier.ofResponse(500, JsonErrors.bytes(JsonErrors.describe(500, false))).outcome());
        assertEquals(Outcome.UNKNOWN, classifier.ofResponse(405, JsonErrors.bytes(JsonErrors.describe(405, false))).outcome(),
                "a status the participant's typed answer does not have");
    }

    @Test
    void failuresBeforeSendingAreDefiniteAndAfterSendingUnknown() {
        assertEquals(Outcome.DEFINITE_FAILURE, classifier.ofFailure(new ConnectException("Connection refused")).outcome());
        assertEquals(Outcome.DEFINITE_FAILURE, classifier.ofFailure(new HttpConnectTimeoutException("connect")).outcome());
        assertEquals(Outcome.DEFINITE_FAILURE, classifier.ofFailure(
                CallNotPermittedException.createCallNotPermittedException(CircuitBreaker.ofDefaults("inventory"))).outcome());
        assertEquals(Outcome.DEFINITE_FAILURE, classifier.ofFailure(
                BulkheadFullException.createBulkheadFullException(Bulkhead.ofDefaults("inventory"))).outcome());
        assertEquals(Outcome.DEFINITE_FAILURE,
                classifier.ofFailure(new CompletionException(new ConnectException("refused"))).outcome(), "unwrapped");
        assertEquals(Outcome.UNKNOWN, classifier.ofFailure(new HttpTimeoutException("request timed out")).outcome());
        assertEquals(Outcome.UNKNOWN, classifier.ofFailure(new TimeoutException("time limiter")).outcome());
        assertEquals(Outcome.UNKNOWN, classifier.ofFailure(new SocketException("Connection reset")).outcome());
        assertEquals(Outcome.UNKNOWN, classifier.ofFailure(new IOException("HTTP/1.1 header parser received no bytes")).outcome());
        assertEquals(Outcome.UNKNOWN, classifier.ofFailure(new IllegalStateException("anything else")).outcome());
    }
}
