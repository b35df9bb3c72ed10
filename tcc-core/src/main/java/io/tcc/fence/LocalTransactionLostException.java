package io.tcc.fence;

import java.sql.SQLException;

import io.tcc.TccException;

/**
 * A definite failure: the business method returned normally, but the local transaction it ran in was already lost, so
 * nothing of the call (business SQL or fence row) can commit. Typically the method caught an error of its own SQL and
 * went on: PostgreSQL then aborts the transaction and turns COMMIT into a silent rollback, and InnoDB rolls a deadlock
 * victim back whole. The fence checks its row after every business method and reports this instead of a success
 * that never committed. Nothing was recorded; a try so failed must be cancelled, a confirm or cancel is retried.
 * Let business methods rethrow SQL errors (or roll back to a savepoint of their own before going on).
 */
public class LocalTransactionLostException extends TccException {

    public LocalTransactionLostException(BranchKey key, FencePhase phase, SQLException seen) {
        super(phase + " of " + key + " failed: its business method returned normally, but the local transaction was"
                + " already lost underneath it"
                + (seen == null ? " (the fence row it had written was gone: the database rolled the transaction back,"
                        + " e.g. a deadlock or lock-wait timeout the method caught)"
                        : " (the database answered SQLState " + seen.getSQLState() + ": " + seen.getMessage()
                        + "; an SQL error inside the method was caught and not rethrown)")
                + "; nothing was committed. Let the business method rethrow its SQL errors", seen);
    }
}
