package io.tcc.global;

import java.util.Objects;
import java.util.function.Function;
import java.util.function.Supplier;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;

/**
 * Where the initiator reports its work: each global transaction as a {@code tcc.transaction} observation, each branch
 * call (try, confirm, cancel) as a {@code tcc.branch} observation inside it and its decision as a {@code tcc.decision}
 * between the tries and phase two, through the application's registry (timers with Micrometer's meter handler, spans
 * with a tracing bridge), optionally with conventions of its own. Each observation is opened around its work, so what
 * runs inside (a client's HTTP call, a local participant's fenced call) nests under it. A phase two on the pool is
 * handed its transaction's observation as parent; recovery's decisions and calls have none of their own (they are
 * roots, or children of the operator request that retried them), and are found by their {@code tcc.xid}.
 *
 * @param transactionConvention null for {@link DefaultTransactionObservationConvention}
 * @param branchConvention      null for {@link DefaultBranchObservationConvention}
 * @param decisionConvention    null for {@link DefaultDecisionObservationConvention}
 */
public record CoordinatorObservations(ObservationRegistry registry, TransactionObservationConvention transactionConvention,
                                      BranchObservationConvention branchConvention,
                                      DecisionObservationConvention decisionConvention) {

    /** Nothing observed; transactions and branch calls pay no more than a check. */
    public static final CoordinatorObservations NONE = of(ObservationRegistry.NOOP);

    public CoordinatorObservations {
        Objects.requireNonNull(registry, "registry");
    }

    /** With the default convention for decisions. */
    public CoordinatorObservations(ObservationRegistry registry, TransactionObservationConvention transactionConvention,
                                   BranchObservationConvention branchConvention) {
        this(registry, transactionConvention, branchConvention, null);
    }

    public static CoordinatorObservations of(ObservationRegistry registry) {
        return new CoordinatorObservations(registry, null, null, null);
    }

    /** A transaction's observation, started; {@link Observation#NOOP} when nothing observes. */
    Observation startTransaction(Supplier<TransactionObservationContext> context) {
        if (registry.isNoop()) {
            return Observation.NOOP;
        }
        return Observation.createNotStarted(transactionConvention, DefaultTransactionObservationConvention.INSTANCE,
                context, registry).start();
    }

    /** Stops a transaction's observation with the state it reached: final, decided, or null when none is known. */
    static void stopTransaction(Observation observation, GlobalState state) {
        if (observation.getContext() instanceof TransactionObservationContext context) {
            context.state(state);
        }
        observation.stop();
    }

    /**
     * A branch call's observation, started: a child of the observation current on this thread, else of
     * {@code transaction} (a phase two on the pool, a try on a thread the transaction was handed to).
     */
    Observation startBranch(Supplier<BranchObservationContext> context, Observation transaction) {
        if (registry.isNoop()) {
            return Observation.NOOP;
        }
        Observation observation = Observation.createNotStarted(branchConvention,
                DefaultBranchObservationConvention.INSTANCE, context, registry);
        if (transaction != null && registry.getCurrentObservation() == null) {
            observation.parentObservation(transaction);
        }
        return observation.start();
    }

    /** Runs one branch call in its observation, opened around it. */
    <T> T branch(Supplier<BranchObservationContext> context, Observation transaction, Coordinator.Body<T> call)
            throws Throwable {
        Observation observation = startBranch(context, transaction);
        try (Observation.Scope ignored = observation.openScope()) {
            return call.run();
        } catch (Throwable failure) {
            observation.error(failure);
            throw failure;
        } finally {
            observation.stop();
        }
    }

    /**
     * Writes a decision in its observation, opened around the write (a local branch's phase two sharing its commit
     * nests in it), tagged with the state the log holds afterwards, which {@code decided} reads from the result.
     */
    <T> T decision(Supplier<DecisionObservationContext> context, Supplier<T> write, Function<T, GlobalState> decided) {
        if (registry.isNoop()) {
            return write.get();
        }
        DecisionObservationContext observed = context.get();
        Observation observation = Observation.createNotStarted(decisionConvention,
                DefaultDecisionObservationConvention.INSTANCE, () -> observed, registry).start();
        try (Observation.Scope ignored = observation.openScope()) {
            T result = write.get();
            observed.decided(decided.apply(result));
            return result;
        } catch (RuntimeException | Error failure) {
            observation.error(failure);
            throw failure;
        } finally {
            observation.stop();
        }
    }
}
