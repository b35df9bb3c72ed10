package io.tcc.fence;

import java.util.Objects;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;

/**
 * Where the fence reports its calls as {@code tcc.participant} observations: the application's registry (timers with
 * Micrometer's meter handler, spans with a tracing bridge) and, optionally, a convention of its own. Each call's
 * observation is opened around its work, so what the business method observes (its SQL, a client call) nests under it.
 *
 * @param convention null for {@link DefaultParticipantObservationConvention}
 */
public record FenceObservations(ObservationRegistry registry, ParticipantObservationConvention convention) {

    /** Nothing observed; the calls pay no more than a check. */
    public static final FenceObservations NONE = new FenceObservations(ObservationRegistry.NOOP, null);

    public FenceObservations {
        Objects.requireNonNull(registry, "registry");
    }

    public static FenceObservations of(ObservationRegistry registry) {
        return new FenceObservations(registry, null);
    }

    /** The observation of one call, started; {@link Observed#NONE} when nothing observes. */
    Observed start(FencedTransaction.Call call) {
        if (registry.isNoop()) {
            return Observed.NONE;
        }
        ParticipantObservationContext context = new ParticipantObservationContext(call.key(), call.action(), call.phase());
        return new Observed(context, Observation.createNotStarted(convention,
                DefaultParticipantObservationConvention.INSTANCE, () -> context, registry).start());
    }

    /** One call's started observation: open around each attempt of its work, stopped once with what it came to. */
    static final class Observed {

        static final Observed NONE = new Observed(null, Observation.NOOP);

        private final ParticipantObservationContext context;
        private final Observation observation;

        private Observed(ParticipantObservationContext context, Observation observation) {
            this.context = context;
            this.observation = observation;
        }

        <T> FencedTransaction.Work<T> scoped(FencedTransaction.Work<T> work) {
            if (context == null) {
                return work;
            }
            return (connection, callerSnapshot, watch) -> {
                try (Observation.Scope ignored = observation.openScope()) {
                    return work.run(connection, callerSnapshot, watch);
                }
            };
        }

        void stop(FenceResult<?> result, Throwable failure) {
            if (context == null) {
                return;
            }
            if (result != null) {
                context.outcome(result.outcome());
            } else {
                observation.error(failure);
            }
            observation.stop();
        }
    }
}
