package io.tcc.global;

import java.util.concurrent.CompletableFuture;

import io.tcc.annotation.PhaseTwoMode;

/**
 * Chooses, for the global transactions the current thread starts while it is open, whether phase two runs before the
 * caller is answered: code that decides per request (an HTTP parameter, say) binds one around the call, and it wins
 * over the method's default ({@code @GlobalTransaction(phaseTwo = ...)} or the mode given to {@code execute}).
 * It also tells how the last transaction started under it ended:
 * <pre>{@code
 * try (PhaseTwoChoice choice = PhaseTwoChoice.bind(PhaseTwoMode.ASYNC)) {
 *     orders.placeOrder(request);              // a @GlobalTransaction method
 *     PhaseTwoChoice.Outcome outcome = choice.outcome(); // xid, decision, whether phase two is still pending
 * }
 * }</pre>
 */
public final class PhaseTwoChoice implements AutoCloseable {

    private static final ThreadLocal<PhaseTwoChoice> CURRENT = new ThreadLocal<>();

    /**
     * How a global transaction stood when its caller was answered.
     *
     * @param decision   CONFIRMING or CANCELLING: what was decided durably
     * @param state      its state then: the final one, or the decision while phase two is pending
     * @param completion completed with the state phase two left (final, or the decision when it left the rest to
     *                   recovery); for waiters in this process, see {@link Coordinator#awaitCompletion}
     */
    public record Outcome(String xid, GlobalState decision, GlobalState state, CompletableFuture<GlobalState> completion) {
        public boolean phaseTwoPending() {
            return !state.isFinished();
        }
    }

    private final PhaseTwoMode mode;
    private final PhaseTwoChoice outer;
    private volatile Outcome outcome;

    private PhaseTwoChoice(PhaseTwoMode mode, PhaseTwoChoice outer) {
        this.mode = mode;
        this.outer = outer;
    }

    /** Binds {@code mode} to the current thread until {@link #close()}. */
    public static PhaseTwoChoice bind(PhaseTwoMode mode) {
        if (mode == null) {
            throw new IllegalArgumentException("a phase-two mode is SYNC or ASYNC, not null");
        }
        PhaseTwoChoice choice = new PhaseTwoChoice(mode, CURRENT.get());
        CURRENT.set(choice);
        return choice;
    }

    /** The choice bound to the current thread, or null. */
    static PhaseTwoChoice onThisThread() {
        return CURRENT.get();
    }

    public PhaseTwoMode mode() {
        return mode;
    }

    /** How the last global transaction started under this choice stood when it answered; null before one decided. */
    public Outcome outcome() {
        return outcome;
    }

    void decided(Outcome outcome) {
        this.outcome = outcome;
    }

    @Override
    public void close() {
        if (CURRENT.get() != this) {
            throw new IllegalStateException("phase-two choices must be closed on the thread that bound them, innermost"
                    + " first");
        }
        if (outer == null) {
            CURRENT.remove();
        } else {
            CURRENT.set(outer);
        }
    }
}
