package io.tcc.global;

import java.time.Instant;

/**
 * A global transaction as the initiator's log holds it.
 *
 * @param nextAttempt when recovery should look at it next; null once finished or flagged for an operator
 */
public record GlobalRecord(String xid, GlobalState state, String name, Instant deadline, int attempts,
                           Instant nextAttempt, boolean needsOperator, String operatorReason, Instant createdAt,
                           Instant updatedAt) {
}
