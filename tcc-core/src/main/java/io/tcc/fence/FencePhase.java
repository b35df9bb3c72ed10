package io.tcc.fence;

/** The three calls a participant answers for a branch. */
public enum FencePhase {
    TRY, CONFIRM, CANCEL
}
