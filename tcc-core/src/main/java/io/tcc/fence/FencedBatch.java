package io.tcc.fence;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.datasource.DataSourceUtils;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.TransactionStatus;
import org.springframework.transaction.support.DefaultTransactionDefinition;

import io.tcc.jdbc.Dialect;

/**
 * Several fenced confirms or cancels in one local transaction, each under a savepoint of its own, on the same
 * transaction manager, watch and reporting as {@link FencedTransaction} (see {@link Fence#phaseTwoTogether}).
 */
final class FencedBatch {

    private static final Logger log = LoggerFactory.getLogger(FencedBatch.class);

    /** One call of a batch: what it is about, and its work. */
    record Member<T>(FencedTransaction.Call call, FencedTransaction.Work<T> work) {
    }

    /** The database rolled the whole batch transaction back, or a savepoint could not undo one call: redo each alone. */
    private static final class BatchLost extends RuntimeException {
        BatchLost(Throwable cause) {
            super(cause.toString(), cause, false, false);
        }
    }

    private final FencedTransaction tx;

    FencedBatch(FencedTransaction tx) {
        this.tx = tx;
    }

    /**
     * Runs the members (null ones are skipped) in one new local transaction, each under its own savepoint, and gives
     * each one's answer only after the commit. A member that lost a lock conflict, or met a row its transaction's
     * snapshot cannot see, is undone to its savepoint and run {@code alone} after the commit. On MySQL and MariaDB a
     * conflict may have rolled back the whole transaction (a deadlock victim) and its savepoints with it, so there,
     * as whenever a savepoint cannot be rolled back to or the commit loses a conflict, every member is run alone.
     */
    List<Fence.Settled> runTogether(List<Member<?>> members, Function<Member<?>, Fence.Settled> alone) {
        DefaultTransactionDefinition definition = new DefaultTransactionDefinition(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
        definition.setName("tcc-fence:batch");
        Fence.Settled[] settled = new Fence.Settled[members.size()];
        boolean[] runAlone = new boolean[members.size()];
        TransactionStatus status = tx.transactionManager.getTransaction(definition);
        try {
            Connection connection = DataSourceUtils.getConnection(tx.dataSource);
            try {
                for (int i = 0; i < members.size(); i++) {
                    if (members.get(i) != null) {
                        settled[i] = runMember(status, connection, members.get(i));
                        runAlone[i] = settled[i] == null;
                    }
                }
            } finally {
                DataSourceUtils.releaseConnection(connection, tx.dataSource);
            }
        } catch (RuntimeException lost) { // BatchLost, or a savepoint the database refused
            rollbackQuietly(status, lost);
            return allAlone(members, alone, lost);
        }
        try {
            tx.transactionManager.commit(status);
        } catch (RuntimeException commitFailure) {
            if (tx.isConflict(commitFailure)) {
                return allAlone(members, alone, commitFailure);
            }
            // the rows may or may not have committed: no member reports success, nor a refusal it would not repeat
            for (int i = 0; i < settled.length; i++) {
                if (settled[i] != null && settled[i].result() != null) {
                    settled[i] = Fence.Settled.failed(commitFailure);
                }
            }
            return Arrays.asList(settled);
        }
        for (int i = 0; i < settled.length; i++) {
            if (settled[i] != null && settled[i].result() != null) {
                tx.report(members.get(i).call(), settled[i].result().outcome());
            } else if (runAlone[i]) {
                settled[i] = alone.apply(members.get(i));
            }
        }
        return Arrays.asList(settled);
    }

    /** One member under its savepoint: its answer, or null when it must run alone after the batch. */
    private Fence.Settled runMember(TransactionStatus status, Connection connection, Member<?> member) {
        Object savepoint = status.createSavepoint();
        try {
            // on PostgreSQL under REPEATABLE READ the batch's snapshot may predate this member's row: like a caller's
            Fence.Settled done = Fence.Settled.of(member.work().run(connection, tx.dialect == Dialect.POSTGRESQL, tx.watch));
            status.releaseSavepoint(savepoint);
            return done;
        } catch (FencedTransaction.Refusal r) {
            undo(status, savepoint, r);
            tx.report(member.call().key(), r.refusal);
            return Fence.Settled.failed(r.refusal);
        } catch (Throwable failure) {
            if (tx.dialect != Dialect.POSTGRESQL && tx.dialect.isConflict(failure)) {
                throw new BatchLost(failure); // InnoDB rolls a deadlock victim back whole, savepoints and all
            }
            undo(status, savepoint, failure);
            if (failure instanceof FencedTransaction.NotInSnapshot || tx.isConflict(failure)) {
                return null;
            }
            return Fence.Settled.failed(failure instanceof SQLException sql
                    ? tx.storeFailure(member.call().key(), member.call().phase().name().toLowerCase(), sql) : failure);
        }
    }

    private static void undo(TransactionStatus status, Object savepoint, Throwable failure) {
        try {
            // also clears a rollback-only mark that a joined @Transactional business method left
            status.rollbackToSavepoint(savepoint);
            status.releaseSavepoint(savepoint);
        } catch (RuntimeException e) {
            throw new BatchLost(failure);
        }
    }

    private void rollbackQuietly(TransactionStatus status, Throwable failure) {
        try {
            if (!status.isCompleted()) {
                tx.transactionManager.rollback(status);
            }
        } catch (RuntimeException e) {
            failure.addSuppressed(e);
        }
    }

    private List<Fence.Settled> allAlone(List<Member<?>> members, Function<Member<?>, Fence.Settled> alone,
                                         Throwable why) {
        log.warn("a batch of {} fenced calls was rolled back whole ({}); running each alone", members.size(), why.toString());
        List<Fence.Settled> settled = new ArrayList<>(members.size());
        for (Member<?> member : members) {
            settled.add(member == null ? null : alone.apply(member));
        }
        return settled;
    }
}
