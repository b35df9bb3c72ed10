package io.tcc.fence;

/**
 * Hears what the fence decided, after the decision committed. Implementations must be quick and must not
 * throw: they run on the caller's thread. {@link FenceCounters} counts everything.
 */
public interface FenceListener {

    FenceListener NONE = new FenceListener() {
    };

    default void onExecuted(BranchKey key, FencePhase phase) {
    }

    /** A repeated try, confirm or cancel found its work done and ran nothing. */
    default void onDuplicate(BranchKey key, FencePhase phase) {
    }

    /** A cancel found no try and recorded an empty cancel. */
    default void onEmptyCancel(BranchKey key) {
    }

    /**
     * A confirm or cancel found no row, and its deadline lies further back than the minimum retention: a late repeat of
     * a finished branch whose row cleanup removed. Answered as finished; nothing ran.
     */
    default void onCleanedUpRepeat(BranchKey key, FencePhase phase) {
    }

    /** A try was refused: its branch was cancelled first (suspension), or its deadline had passed. */
    default void onTryRefused(BranchKey key, TryRefusedException.Reason reason) {
    }

    /** A deadlock, lock-wait timeout or serialization failure lost the transaction; it is run again. */
    default void onConflictRetried(BranchKey key, FencePhase phase, int attempt, Throwable conflict) {
    }
}
