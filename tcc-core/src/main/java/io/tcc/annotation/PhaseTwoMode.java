package io.tcc.annotation;

/** When the initiator answers its caller: after phase two was attempted, or as soon as the decision is durable. */
public enum PhaseTwoMode {
    /** The caller is answered after every branch's confirm or cancel was attempted (the default). */
    SYNC,
    /**
     * The caller is answered as soon as the decision is durable, told the decision and that phase two is pending;
     * phase two runs on the initiator's bounded pool ({@code tcc.phase-two.async.*}), and recovery covers what a crash
     * leaves. See {@code docs/global-transactions.md}.
     */
    ASYNC
}
