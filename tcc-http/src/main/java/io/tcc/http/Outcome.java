package io.tcc.http;

/** The three outcomes of a call to a participant. Only SUCCESS and DEFINITE_FAILURE may change state. */
public enum Outcome {
    /** The participant answered that the call took effect (now, or before). */
    SUCCESS,
    /** Provably not done: the participant refused it, or the request provably never left (refused connection, open circuit). */
    DEFINITE_FAILURE,
    /** It may or may not have taken effect: a timeout after sending, a reset connection, a 5xx, an unreadable answer. */
    UNKNOWN
}
