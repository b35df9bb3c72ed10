package io.tcc.context;

import java.time.Instant;

/**
 * The global transaction running on a thread, as application code and participants see it. The initiator binds its
 * own implementation through {@link TransactionContext}; nothing here depends on how the initiator runs it.
 */
public interface CurrentTransaction {

    String xid();

    /** When the transaction gives up: a try still running then is cancelled. */
    Instant deadline();

    /** The name its {@code @GlobalTransaction} or template call gave it, or null. */
    String name();
}
