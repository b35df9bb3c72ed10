package io.tcc.http.boot;

import java.util.List;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.tcc.http.ParticipantGuards;

/**
 * {@code tccRemoteParticipants}: OUT_OF_SERVICE while a participant's circuit breaker is open, naming it and its state;
 * UP otherwise (half-open included: it is probing). Not DOWN: this service itself works, and restarting it would not
 * help; it deliberately refuses calls to that participant until the breaker lets probe calls through. Every
 * participant's breaker state is in the details.
 */
final class RemoteParticipantsHealthIndicator implements HealthIndicator {

    private final ParticipantGuards guards;

    RemoteParticipantsHealthIndicator(ParticipantGuards guards) {
        this.guards = guards;
    }

    @Override
    public Health health() {
        List<ParticipantGuards.State> states = guards.states();
        List<String> open = states.stream().filter(s -> s.circuitBreaker() == CircuitBreaker.State.OPEN
                || s.circuitBreaker() == CircuitBreaker.State.FORCED_OPEN).map(ParticipantGuards.State::participant).toList();
        Health.Builder health = open.isEmpty() ? Health.up() : Health.status(Status.OUT_OF_SERVICE)
                .withDetail("reason", "circuit breaker OPEN for " + open + ": calls to "
                        + (open.size() == 1 ? "it" : "them") + " are refused without being sent, so transactions that"
                        + " need " + (open.size() == 1 ? "it" : "them") + " cancel at once");
        for (ParticipantGuards.State s : states) {
            health.withDetail(s.participant(), s.circuitBreaker().name());
        }
        return health.build();
    }
}
