package io.tcc.http;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.bulkhead.BulkheadRegistry;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import io.github.resilience4j.retry.RetryRegistry;
import io.tcc.fence.FencePhase;

/**
 * The circuit breakers, bulkheads and phase-two retries of the remote participants, one of each per participant name,
 * kept in registries so that meters and health checks can see them (bind {@link #circuitBreakers()},
 * {@link #bulkheads()} and {@link #retries()} with resilience4j-micrometer), and the calls each participant received, by
 * phase and outcome. Every change of a breaker's state is logged once, naming the participant.
 */
public final class ParticipantGuards {

    private static final Logger log = LoggerFactory.getLogger(ParticipantGuards.class);

    /** What guards one participant now, as operators see it. */
    public record State(String participant, CircuitBreaker.State circuitBreaker, float failureRate, int callsInFlight,
                        int maxConcurrentCalls, Map<String, Long> calls) {
    }

    private final CircuitBreakerRegistry circuitBreakers;
    private final BulkheadRegistry bulkheads;
    private final RetryRegistry retries;
    private final Map<String, LongAdder> calls = new ConcurrentHashMap<>();
    private volatile CallListener listener;

    public ParticipantGuards() {
        this(CircuitBreakerRegistry.ofDefaults(), BulkheadRegistry.ofDefaults());
    }

    public ParticipantGuards(CircuitBreakerRegistry circuitBreakers, BulkheadRegistry bulkheads) {
        this(circuitBreakers, bulkheads, RetryRegistry.ofDefaults());
    }

    public ParticipantGuards(CircuitBreakerRegistry circuitBreakers, BulkheadRegistry bulkheads, RetryRegistry retries) {
        this.circuitBreakers = Objects.requireNonNull(circuitBreakers, "circuitBreakers");
        this.bulkheads = Objects.requireNonNull(bulkheads, "bulkheads");
        this.retries = Objects.requireNonNull(retries, "retries");
        circuitBreakers.getAllCircuitBreakers().forEach(ParticipantGuards::logTransitions);
        circuitBreakers.getEventPublisher().onEntryAdded(event -> logTransitions(event.getAddedEntry()));
    }

    /** Hears every call's outcome, e.g. to count it in a meter; null for none. */
    public void setCallListener(CallListener listener) {
        this.listener = listener;
    }

    /** Hears the outcome of every branch call: quick, and must not throw. */
    @FunctionalInterface
    public interface CallListener {
        /**
         * @param outcome SUCCESS, DEFINITE_FAILURE, NOT_SENT (refused here: connection refused, circuit open, bulkhead
         *                full), BUSY (the participant refused it before doing anything) or UNKNOWN
         */
        void onCall(String participant, FencePhase phase, String outcome);
    }

    public CircuitBreakerRegistry circuitBreakers() {
        return circuitBreakers;
    }

    public BulkheadRegistry bulkheads() {
        return bulkheads;
    }

    /** The retries of confirms and cancels within one phase-two attempt, by participant. */
    public RetryRegistry retries() {
        return retries;
    }

    /** The participant's phase-two retry: one made for this name already (another client of it) is shared. */
    Retry retry(String participant, Supplier<RetryConfig> config) {
        return retries.retry(participant, config);
    }

    CircuitBreaker circuitBreaker(String participant, RemoteParticipantConfig config) {
        // a breaker already made for this name (another client of the same participant) is shared, as its calls are
        return circuitBreakers.circuitBreaker(participant, () -> CircuitBreakerConfig.custom()
                .failureRateThreshold(config.failureRateThreshold())
                .minimumNumberOfCalls(config.minimumCalls())
                .slidingWindowSize(Math.max(config.minimumCalls(), 20))
                .waitDurationInOpenState(config.openDuration())
                // half-open without waiting for traffic, so health and the admin page show when probing starts
                .automaticTransitionFromOpenToHalfOpenEnabled(true)
                .permittedNumberOfCallsInHalfOpenState(config.halfOpenCalls())
                .recordResult(response -> response instanceof HttpResponse<?> http
                        && http.statusCode() >= 500)
                .build());
    }

    private static void logTransitions(CircuitBreaker breaker) {
        String participant = breaker.getName();
        CircuitBreakerConfig config = breaker.getCircuitBreakerConfig();
        breaker.getEventPublisher().onStateTransition(event -> {
            CircuitBreaker.StateTransition transition = event.getStateTransition();
            switch (transition.getToState()) {
                case OPEN, FORCED_OPEN -> log.warn("circuit breaker of participant '{}' is now OPEN (was {}): calls to it"
                        + " are refused without being sent for {}, then up to {} probe calls test it (HALF_OPEN). Check"
                        + " that participant", participant, transition.getFromState(),
                        Duration.ofMillis(config.getWaitIntervalFunctionInOpenState().apply(1)),
                        config.getPermittedNumberOfCallsInHalfOpenState());
                case HALF_OPEN -> log.info("circuit breaker of participant '{}' is now HALF_OPEN: up to {} probe calls"
                        + " decide whether it closes or opens again", participant,
                        config.getPermittedNumberOfCallsInHalfOpenState());
                default -> log.info("circuit breaker of participant '{}' is now {} (was {})", participant,
                        transition.getToState(), transition.getFromState());
            }
        });
    }

    Bulkhead bulkhead(String participant, RemoteParticipantConfig config) {
        return bulkheads.bulkhead(participant, () -> BulkheadConfig.custom()
                .maxConcurrentCalls(config.maxConcurrentCalls())
                .maxWaitDuration(config.busyWait())
                .build());
    }

    /**
     * The outcome a call is counted under: its {@link Outcome}, with two kinds of definite failure told apart because
     * operators read them differently: NOT_SENT (connection refused, circuit open, bulkhead full: nothing left this
     * process) and BUSY (the participant refused it before doing anything).
     */
    static String outcome(CallResult result) {
        if (result.isBusy()) {
            return "BUSY";
        }
        if (result.outcome() == Outcome.DEFINITE_FAILURE && result.response() == null && !result.noEndpoint()) {
            return "NOT_SENT";
        }
        return result.outcome().name();
    }

    void counted(String participant, FencePhase phase, CallResult result) {
        String outcome = outcome(result);
        calls.computeIfAbsent(participant + " " + phase.name().toLowerCase(Locale.ROOT) + " " + outcome,
                k -> new LongAdder()).increment();
        CallListener heard = listener;
        if (heard != null) {
            heard.onCall(participant, phase, outcome);
        }
    }

    /** Every participant this process has called, or made a client for, with its breaker's state and its calls. */
    public List<State> states() {
        return circuitBreakers.getAllCircuitBreakers().stream()
                .sorted(Comparator.comparing(CircuitBreaker::getName))
                .map(breaker -> {
                    String name = breaker.getName();
                    Bulkhead bulkhead = bulkheads.find(name).orElse(null);
                    int max = bulkhead == null ? 0 : bulkhead.getBulkheadConfig().getMaxConcurrentCalls();
                    int inFlight = bulkhead == null ? 0 : max - bulkhead.getMetrics().getAvailableConcurrentCalls();
                    Map<String, Long> byPhase = new TreeMap<>();
                    calls.forEach((key, count) -> {
                        if (key.startsWith(name + " ")) {
                            byPhase.put(key.substring(name.length() + 1), count.sum());
                        }
                    });
                    return new State(name, breaker.getState(), breaker.getMetrics().getFailureRate(), inFlight, max, byPhase);
                }).toList();
    }
}
