package io.tcc.participant;

import java.util.concurrent.Callable;

/**
 * Marks the thread while a participant runs a business method on a remote initiator's behalf (the fence already
 * guards it): an intercepted {@code @Try} then runs as it is, instead of asking for a global transaction on this thread.
 */
final class ParticipantExecution {

    private static final ThreadLocal<Boolean> ACTIVE = new ThreadLocal<>();

    private ParticipantExecution() {
    }

    static boolean isActive() {
        return Boolean.TRUE.equals(ACTIVE.get());
    }

    static <T> T run(Callable<T> work) throws Exception {
        Boolean previous = ACTIVE.get();
        ACTIVE.set(Boolean.TRUE);
        try {
            return work.call();
        } finally {
            if (previous == null) {
                ACTIVE.remove();
            } else {
                ACTIVE.set(previous);
            }
        }
    }
}
