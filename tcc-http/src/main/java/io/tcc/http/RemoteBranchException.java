package io.tcc.http;

import io.tcc.TccException;
import io.tcc.participant.ParticipantCallFailure;

/**
 * A call to a remote participant did not answer a definite success. {@link #result()} says whether it was a definite
 * failure (the participant refused, or the request never left) or unknown (it may have acted). Either way a try's
 * transaction can now only cancel; a confirm or cancel stays pending and is driven again. A try refused by the
 * participant's business method is the subclass {@link RemoteBusinessRejection}.
 */
public class RemoteBranchException extends TccException implements ParticipantCallFailure {

    private final String participant;
    private final String action;
    private final CallResult result;

    public RemoteBranchException(String participant, String action, String phase, CallResult result) {
        super(phase + " of " + participant + " " + action + ": " + result.outcome() + " (" + result.detail() + ")");
        this.participant = participant;
        this.action = action;
        this.result = result;
    }

    public String participant() {
        return participant;
    }

    /** The action called, as the {@code @Try} annotation names it. */
    public String action() {
        return action;
    }

    public CallResult result() {
        return result;
    }

    @Override
    public boolean outcomeUnknown() {
        return result.outcome() == Outcome.UNKNOWN;
    }
}
