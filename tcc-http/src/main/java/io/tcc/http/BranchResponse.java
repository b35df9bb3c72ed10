package io.tcc.http;

import tools.jackson.databind.JsonNode;

/**
 * A participant's typed answer. Its {@code status} tells a success from a definite rejection and from a protocol
 * violation without guessing from HTTP codes; the HTTP code agrees with it.
 *
 * @param outcome for SUCCESS: EXECUTED, DUPLICATE, EMPTY_CANCEL or CLEANED_UP
 * @param reason  a stable code for every answer but SUCCESS. REJECTED: SUSPENDED, DEADLINE_PASSED, BUSINESS or
 *                TRANSACTION_LOST (the try's business method swallowed an error of its own SQL: nothing committed);
 *                PROTOCOL_VIOLATION; BAD_REQUEST; UNAUTHENTICATED; TOO_LARGE; BUSY: BUSY or CONFLICT; ERROR: BUSINESS_FAILED,
 *                TRANSACTION_LOST or INTERNAL
 * @param message a safe text for people: the caller's own input, a business method's rejection, the protocol; never
 *                SQL, stack traces or signature details, which the participant logs with the xid
 * @param value   what the try's business method returned, as JSON (null otherwise)
 */
public record BranchResponse(Status status, String outcome, String reason, String message, JsonNode value) {

    public enum Status {
        /** 200: the call took effect now, or had already. */
        SUCCESS(200),
        /** 409: a definite "no": the try refused (suspension, deadline, business rule). Nothing was recorded. */
        REJECTED(409),
        /** 422: the call contradicts the participant's log (confirm of a cancelled branch...). Nothing changed. */
        PROTOCOL_VIOLATION(422),
        /** 400: malformed headers, path or body. Nothing was recorded. */
        BAD_REQUEST(400),
        /** 401: unsigned, wrongly signed or too old. Nothing was recorded. */
        UNAUTHORIZED(401),
        /** 413: the body is larger than the participant accepts. */
        TOO_LARGE(413),
        /**
         * 503: reason BUSY, too many branch calls were running (or this very call still was) and nothing ran; or reason
         * CONFLICT, the participant lost lock conflicts past its retries and nothing was recorded. Call again later.
         */
        BUSY(503),
        /** 500: the business confirm or cancel failed, or the participant broke; the branch keeps its state. */
        ERROR(500);

        private final int httpStatus;

        Status(int httpStatus) {
            this.httpStatus = httpStatus;
        }

        public int httpStatus() {
            return httpStatus;
        }
    }
}
