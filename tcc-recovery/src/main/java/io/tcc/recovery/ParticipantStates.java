package io.tcc.recovery;

import java.util.List;
import java.util.Map;

/**
 * What guards the calls to each participant this service reaches, for the operators' page: a participant whose
 * circuit breaker is open has its calls refused without being sent, so its transactions wait however often they are
 * retried. A service that calls remote participants provides one (tcc-http's auto-configuration does).
 */
@FunctionalInterface
public interface ParticipantStates {

    ParticipantStates NONE = List::of;

    /**
     * @param circuitBreaker  CLOSED, OPEN, HALF_OPEN (probing), or another resilience4j state
     * @param failureRate     percentage of failed or unknown calls in the breaker's window, -1 before it has enough
     * @param callsInFlight   calls to it running now from this process
     * @param maxConcurrentCalls the bound on those (its bulkhead)
     * @param calls           HTTP calls made so far, by "phase outcome" (e.g. "confirm UNKNOWN")
     */
    record State(String participant, String circuitBreaker, float failureRate, int callsInFlight, int maxConcurrentCalls,
                 Map<String, Long> calls) {
    }

    List<State> states();
}
