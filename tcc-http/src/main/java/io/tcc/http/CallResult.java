package io.tcc.http;

/**
 * What one call to a participant came to.
 *
 * @param response   the participant's typed answer, when there was a readable one
 * @param detail     what was observed, for logs and the branch's {@code last_outcome}
 * @param noEndpoint the address answered 404 without a typed TCC answer (no participant endpoint is served there), or
 *                   there was no address to send to (no base URL configured): nothing ran, and calling again cannot
 *                   help until the configuration changes
 */
public record CallResult(Outcome outcome, BranchResponse response, String detail, boolean noEndpoint) {

    public CallResult(Outcome outcome, BranchResponse response, String detail) {
        this(outcome, response, detail, false);
    }

    /**
     * True when the participant refused the call before doing anything, because too many branch calls were running
     * there (typed BUSY, reason BUSY): nothing ran, so calling again later is right.
     */
    public boolean isBusy() {
        return response != null && response.status() == BranchResponse.Status.BUSY && "BUSY".equals(response.reason());
    }

    /** True when the participant said the call contradicts its log: retrying cannot help, an operator must look. */
    public boolean isProtocolViolation() {
        return response != null && response.status() == BranchResponse.Status.PROTOCOL_VIOLATION;
    }
}
