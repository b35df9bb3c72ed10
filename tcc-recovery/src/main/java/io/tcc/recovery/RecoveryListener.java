package io.tcc.recovery;

import io.tcc.global.GlobalState;

/** Hears what recovery did; called on the recovery thread, so implementations must be quick and must not throw. */
public interface RecoveryListener {

    RecoveryListener NONE = new RecoveryListener() {
    };

    /** One listener that tells all of {@code listeners}, in order. */
    static RecoveryListener all(java.util.List<RecoveryListener> listeners) {
        if (listeners.isEmpty()) {
            return NONE;
        }
        if (listeners.size() == 1) {
            return listeners.get(0);
        }
        return new RecoveryListener() {
            @Override
            public void onFinished(String xid, GlobalState state) {
                listeners.forEach(l -> l.onFinished(xid, state));
            }

            @Override
            public void onPostponed(String xid, GlobalState state, int attempts) {
                listeners.forEach(l -> l.onPostponed(xid, state, attempts));
            }

            @Override
            public void onFlagged(String xid, GlobalState state, int attempts, String reason) {
                listeners.forEach(l -> l.onFlagged(xid, state, attempts, reason));
            }
        };
    }

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
