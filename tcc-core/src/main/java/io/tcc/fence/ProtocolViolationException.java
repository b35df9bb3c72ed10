package io.tcc.fence;

import io.tcc.TccException;

/**
 * A definite error: the call contradicts what the fence recorded for the branch (confirm of a branch never
 * tried or already cancelled, cancel of a confirmed branch, one branch id used for two actions).
 * Nothing ran and nothing changed. Retrying cannot help: it points at a bug or a hand-edited log, so an
 * operator should look at the branch.
 */
public class ProtocolViolationException extends TccException {

    private final BranchKey key;
    private final FencePhase phase;
    private final FenceState found;

    public ProtocolViolationException(BranchKey key, FencePhase phase, FenceState found, String detail) {
        super(phase + " of " + key + " violates the TCC protocol: " + detail);
        this.key = key;
        this.phase = phase;
        this.found = found;
    }

    public BranchKey key() {
        return key;
    }

    public FencePhase phase() {
        return phase;
    }

    /** The state the fence held, or null when the branch was absent. */
    public FenceState found() {
        return found;
    }
}
