package io.tcc.http;

/**
 * What one call to a participant came to.
 *
 * @param response the participant's typed answer, when there was a readable one
 * @param detail   what was observed, for logs and the branch's {@code last_outcome}
 */
public record CallResult(Outcome outcome, BranchResponse response, String detail) {

    /** True when the participant said the call contradicts its log: retrying cannot help, an operator must look. */
    public boolean isProtocolViolation() {
        return response != null && response.status() == BranchResponse.Status.PROTOCOL_VIOLATION;
    }
}
