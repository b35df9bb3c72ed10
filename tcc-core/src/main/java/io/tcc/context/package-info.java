/**
 * The transaction on the current thread ({@link io.tcc.context.TransactionContext}), bound through the small {@link
 * io.tcc.context.CurrentTransaction} interface so that this package needs nothing of the initiator.
 */
package io.tcc.context;
