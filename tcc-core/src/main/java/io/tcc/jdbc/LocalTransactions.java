package io.tcc.jdbc;

import java.sql.Connection;

import javax.sql.DataSource;

import org.springframework.jdbc.datasource.DataSourceUtils;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.TransactionException;
import org.springframework.transaction.TransactionStatus;
import org.springframework.transaction.support.DefaultTransactionDefinition;

/**
 * The one way the framework runs work in a local transaction of its own: begun new (the caller's, if any, suspended),
 * committed when the work returns, rolled back when it throws, with the work's own failure what the caller sees (a
 * failure to roll back rides on it as suppressed). The fence's calls, which join a caller's transaction, build on the
 * same steps in {@code FencedTransaction}.
 */
public final class LocalTransactions {

    /** Work inside one local transaction, on its connection. */
    @FunctionalInterface
    public interface Work<T> {
        T run(Connection connection) throws Throwable;
    }

    /** Where a transaction failed outside the work: it could not begin (nothing was written) or commit (unknown). */
    public enum Step { BEGIN, COMMIT }

    /** A transaction that could not begin or commit; {@link #step()} says which. */
    public static final class TransactionFailedException extends RuntimeException {
        private final Step step;

        TransactionFailedException(Step step, TransactionException cause) {
            super(cause.getMessage(), cause);
            this.step = step;
        }

        public Step step() {
            return step;
        }
    }

    private final DataSource dataSource;
    private final PlatformTransactionManager transactionManager;

    public LocalTransactions(DataSource dataSource, PlatformTransactionManager transactionManager) {
        this.dataSource = dataSource;
        this.transactionManager = transactionManager;
    }

    /**
     * @param isolation a {@link TransactionDefinition} isolation level, or {@code ISOLATION_DEFAULT}
     * @throws TransactionFailedException when the transaction could not begin or commit
     * @throws Throwable                  whatever the work threw, after the rollback
     */
    public <T> T inNew(String name, int isolation, Work<T> work) throws Throwable {
        DefaultTransactionDefinition definition = new DefaultTransactionDefinition(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
        definition.setIsolationLevel(isolation);
        definition.setName(name);
        TransactionStatus status;
        try {
            status = transactionManager.getTransaction(definition);
        } catch (TransactionException e) {
            throw new TransactionFailedException(Step.BEGIN, e);
        }
        T result;
        Connection connection = DataSourceUtils.getConnection(dataSource);
        try {
            result = work.run(connection);
        } catch (Throwable failure) {
            try {
                transactionManager.rollback(status);
            } catch (RuntimeException rollbackFailure) {
                failure.addSuppressed(rollbackFailure);
            }
            throw failure;
        } finally {
            DataSourceUtils.releaseConnection(connection, dataSource);
        }
        try {
            transactionManager.commit(status);
        } catch (TransactionException e) {
            throw new TransactionFailedException(Step.COMMIT, e);
        }
        return result;
    }
}
