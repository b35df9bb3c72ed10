package io.tcc.http;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpTimeoutException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeoutException;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpRequest;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.client.ClientHttpRequestExecution;
import org.springframework.http.client.ClientHttpRequestInterceptor;
import org.springframework.http.client.ClientHttpResponse;

import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.timelimiter.TimeLimiter;
import io.github.resilience4j.timelimiter.TimeLimiterConfig;

/**
 * One participant's resilience4j guards around each of its branch calls: the bulkhead outside the circuit breaker (a
 * call the bulkhead refuses was never sent, so it says nothing of the participant), and the time limit of the whole
 * call, answer read included, which is why the call runs on a thread of its own while the caller waits at most
 * {@code call-timeout}. Other requests of the client pass unguarded.
 */
final class GuardInterceptor implements ClientHttpRequestInterceptor {

    private final String participant;
    private final Bulkhead bulkhead;
    private final CircuitBreaker breaker;
    private final TimeLimiter limiter;
    private final ExecutorService callThreads;

    GuardInterceptor(String participant, RemoteParticipantConfig config, ParticipantGuards guards,
                     ExecutorService callThreads) {
        this.participant = participant;
        this.bulkhead = guards.bulkhead(participant, config);
        this.breaker = guards.circuitBreaker(participant, config);
        this.limiter = TimeLimiter.of(participant, TimeLimiterConfig.custom().timeoutDuration(config.callTimeout())
                .cancelRunningFuture(true).build());
        this.callThreads = callThreads;
    }

    @Override
    public ClientHttpResponse intercept(HttpRequest request, byte[] body, ClientHttpRequestExecution execution)
            throws IOException {
        if (!participant.equals(request.getAttributes().get(BranchExchange.PARTICIPANT))) {
            return execution.execute(request, body);
        }
        if (!request.getURI().isAbsolute()) {
            throw new NoAddressException("participant '" + participant + "' has no base URL, so the request was not"
                    + " sent: set spring.http.serviceclient." + participant + ".base-url (or serve it behind a load"
                    + " balancer under that service name)");
        }
        try {
            return bulkhead.executeCheckedSupplier(() -> breaker.executeCheckedSupplier(() -> limiter.executeFutureSupplier(
                    () -> callThreads.submit(() -> Answer.read(execution.execute(request, body))))));
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (TimeoutException e) {
            throw new HttpTimeoutException("no answer within call-timeout " + limiter.getTimeLimiterConfig()
                    .getTimeoutDuration().toMillis() + " ms");
        } catch (Throwable e) {
            throw new IOException(e);
        }
    }

    /** An answer read whole within the time limit, so that nothing of the call happens after the limit. */
    static final class Answer implements ClientHttpResponse {
        private final HttpStatusCode status;
        private final String statusText;
        private final HttpHeaders headers;
        private final byte[] body;

        private Answer(ClientHttpResponse response) throws IOException {
            this.status = response.getStatusCode();
            this.statusText = response.getStatusText();
            this.headers = response.getHeaders();
            this.body = response.getBody().readAllBytes();
        }

        static Answer read(ClientHttpResponse response) throws IOException {
            try (response) {
                return new Answer(response);
            }
        }

        /** What the circuit breaker judges a call by: a 5xx is a failure, like a timeout or a reset. */
        boolean isServerError() {
            return status.is5xxServerError();
        }

        @Override
        public HttpStatusCode getStatusCode() {
            return status;
        }

        @Override
        public String getStatusText() {
            return statusText;
        }

        @Override
        public HttpHeaders getHeaders() {
            return headers;
        }

        @Override
        public InputStream getBody() {
            return new ByteArrayInputStream(body);
        }

        @Override
        public void close() {
        }
    }
}
