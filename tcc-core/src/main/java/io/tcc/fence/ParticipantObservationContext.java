package io.tcc.fence;

import io.micrometer.observation.Observation;

/**
 * What the {@code tcc.participant} observation sees of one fenced call: a participant's try, confirm or cancel of a
 * branch (served over HTTP or called in-process), and what the fence made of it. The failure, if any, is
 * {@link #getError()}.
 */
public class ParticipantObservationContext extends Observation.Context {

    private final BranchKey key;
    private final String action;
    private final FencePhase phase;
    private volatile FenceOutcome outcome;

    public ParticipantObservationContext(BranchKey key, String action, FencePhase phase) {
        this.key = key;
        this.action = action;
        this.phase = phase;
    }

    public BranchKey key() {
        return key;
    }

    public String action() {
        return action;
    }

    public FencePhase phase() {
        return phase;
    }

    /** How the call succeeded; null while it runs, and when it failed or was refused. */
    public FenceOutcome outcome() {
        return outcome;
    }

    void outcome(FenceOutcome outcome) {
        this.outcome = outcome;
    }
}
