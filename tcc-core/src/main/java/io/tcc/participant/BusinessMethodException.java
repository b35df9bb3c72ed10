package io.tcc.participant;

import io.tcc.TccException;

/**
 * A business method the participant ran threw; its own exception is the cause. From a try run for an initiator in
 * another process ({@link LocalParticipant#tryForCaller}) it is a business refusal, and nothing was recorded; from a
 * confirm or cancel, the branch keeps its state and the call is repeated. Told apart from every failure of the
 * framework's own, which never comes wrapped in it.
 */
public final class BusinessMethodException extends TccException {

    BusinessMethodException(Throwable cause) {
        super(String.valueOf(cause.getMessage()), cause);
    }
}
