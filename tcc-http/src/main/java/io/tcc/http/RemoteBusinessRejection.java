package io.tcc.http;

import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.ResponseStatus;

/**
 * A remote participant's try refused by its business method (insufficient stock, a closed account): a definite "no"
 * in the participant's own words, as opposed to an unknown outcome or a participant that could not be reached (plain
 * {@link RemoteBranchException}). The transaction has been cancelled when the initiator's caller sees it.
 *
 * <p>Thrown by a {@link RemoteParticipant} client's method that declares no exception of its own. One that declares
 * exactly one, with a public {@code (String)} constructor, throws that instead, with the participant's message and
 * this as its cause. Spring MVC answers an unhandled one 409 Conflict, not 500.
 */
@ResponseStatus(HttpStatus.CONFLICT)
public class RemoteBusinessRejection extends RemoteBranchException {

    /** The reason code a participant answers for its business method's refusal of a try. */
    public static final String REASON = "BUSINESS";

    public RemoteBusinessRejection(String participant, String action, CallResult result) {
        super(participant, action, "try", result);
    }

    /** True when {@code result} is a participant's business refusal of a try. */
    static boolean isBusinessRejection(CallResult result) {
        BranchResponse response = result.response();
        return result.outcome() == Outcome.DEFINITE_FAILURE && response != null
                && response.status() == BranchResponse.Status.REJECTED && REASON.equals(response.reason());
    }

    /** The stable reason code: {@value #REASON}. */
    public String reason() {
        return result().response().reason();
    }

    /**
     * What the participant's business method said, safe to show: the participant sends its exception's message, never
     * its stack trace or SQL.
     */
    public String participantMessage() {
        return result().response().message();
    }
}
