package io.tcc.recovery;

import io.tcc.global.GlobalState;

/** Hears what recovery did; called on the recovery thread, so implementations must be quick and must not throw. */
public interface RecoveryListener {

    RecoveryListener NONE = new RecoveryListener() {
    };

    /** A transaction reached CONFIRMED or CANCELLED. */
    default void onFinished(String xid, GlobalState state) {
    }

    /** A transaction is still pending after an attempt and will be tried again. */
    default void onPostponed(String xid, GlobalState state, int attempts) {
    }

    /** A transaction used up its attempts: it keeps its state and now waits for an operator. */
    default void onFlagged(String xid, GlobalState state, int attempts, String reason) {
    }
}
