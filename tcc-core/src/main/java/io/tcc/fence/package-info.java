/**
 * The participant's transaction log: {@link io.tcc.fence.Fence} runs each try, confirm and cancel in one local
 * transaction with the row that records it, so duplicates, empty rollbacks and late tries are decided by the
 * database.
 */
package io.tcc.fence;
