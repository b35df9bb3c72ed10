package io.tcc.fence;

/** How a fenced call that succeeded got there. Refusals and violations are exceptions, not outcomes. */
public enum FenceOutcome {
    /** The business method ran and its effect committed with the fence row. */
    EXECUTED,
    /** The call had already succeeded before: nothing ran a second time. */
    DUPLICATE,
    /** A cancel found no try: it recorded the branch as cancelled, released nothing, and refuses any later try. */
    EMPTY_CANCEL,
    /**
     * A confirm or cancel found no row for a branch whose deadline lies further back than the minimum retention: a late
     * repeat of a branch that finished and whose row cleanup removed; nothing ran.
     */
    CLEANED_UP
}
