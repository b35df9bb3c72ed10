package io.tcc.participant;

/**
 * A call to a participant that failed and knows which of the two failures it was: definite (refused, or provably never
 * sent) or unknown (the participant may have acted: a timeout after sending, a reset connection, an ambiguous answer).
 * Remote transports' exceptions implement it; any other exception counts as a definite failure.
 */
public interface ParticipantCallFailure {

    /** True when the participant may have acted. */
    boolean outcomeUnknown();
}
