package io.tcc.global;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a branch into the global log before its try runs: the transaction's own row with its first branch, and only
 * while the transaction is still TRYING and within its deadline afterwards. A registration refused is a try never run.
 */
final class Registration {

    private static final Logger log = LoggerFactory.getLogger(Registration.class);

    private final LogStore store;
    private final Clock clock;

    Registration(LogStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    /**
     * Commits a branch's registration, before its try is sent: in a group commit with other transactions' log writes
     * (see {@link GroupCommit}), each keeping its own check against its own transaction's row.
     */
    void alone(ActiveTransaction tx, BranchRecord branch) throws Exception {
        tx.register(() -> {
            requireBeforeDeadline(tx, branch);
            if (!store.group().commit(c -> write(c, tx, branch))) {
                throw new BranchRegistrationRefusedException(tx.xid(), branch.action());
            }
            tx.registered(branch);
            return null;
        });
    }

    /**
     * Commits a branch's registration together with {@code localTry}, the try of a participant on the log's own
     * DataSource: if the commit rolls back, the branch was never registered and its try never ran.
     */
    <T> T withLocalTry(ActiveTransaction tx, BranchRecord branch, LogStore.Work<T> localTry) throws Exception {
        return tx.register(() -> {
            requireBeforeDeadline(tx, branch);
            T value = lookingAgainAfterConflicts(tx, branch, () -> store.inShared(c -> {
                if (!write(c, tx, branch)) {
                    throw new BranchRegistrationRefusedException(tx.xid(), branch.action());
                }
                return localTry.run(c);
            }));
            tx.registered(branch);
            return value;
        });
    }

    /** The first registration writes the global row: it checks the deadline itself, as later ones check the row. */
    private void requireBeforeDeadline(ActiveTransaction tx, BranchRecord branch) {
        if (!tx.logged() && !clock.instant().isBefore(tx.deadline())) {
            throw new BranchRegistrationRefusedException(tx.xid(), branch.action());
        }
    }

    /**
     * The branch row, and the global row with the first branch; false (nothing written) when the transaction is no
     * longer TRYING or past its deadline. A refusal is an answer, never an error: it must not roll back the other writes
     * that share the commit.
     */
    private boolean write(Connection c, ActiveTransaction tx, BranchRecord branch) throws SQLException {
        if (!tx.logged()) {
            store.sql().insertGlobal(c, tx.xid(), tx.name(), tx.deadline(), store.config().timing().recoveryMargin());
        } else if (!holdForRegistration(c, tx.xid())) {
            return false;
        }
        store.sql().insertBranch(c, tx.xid(), branch.branchId(), branch.participant(), branch.action(), branch.endpoint());
        log.debug("registered branch {} ({} {}) of {}", branch.branchId(), branch.participant(), branch.action(), tx.xid());
        return true;
    }

    private boolean holdForRegistration(Connection c, String xid) throws SQLException {
        try {
            return store.sql().holdForRegistration(c, xid);
        } catch (SQLException e) {
            if (store.sql().dialect().isConflict(e)) {
                throw new Conflict(e);
            }
            throw e;
        }
    }

    /**
     * The global row changed after the snapshot of the transaction registering a branch (a decision by recovery or an
     * operator, met at REPEATABLE READ on PostgreSQL, where a registration sharing its commit with the local try keeps
     * the pool's level). Nothing ran yet; the registration looks at the row afresh.
     */
    private static final class Conflict extends RuntimeException {
        Conflict(SQLException cause) {
            super(cause.getMessage(), cause, false, false);
        }
    }

    private <T> T lookingAgainAfterConflicts(ActiveTransaction tx, BranchRecord branch, Supplier<T> registration) {
        for (int attempt = 1; ; attempt++) {
            try {
                return registration.get();
            } catch (RuntimeException conflict) {
                // on Galera the registration and its local try can also lose at COMMIT, to a decision through another
                // node (certification failure): rolled back like a conflict met at the statement, nothing is durable
                if (!(conflict instanceof Conflict) && !store.sql().dialect().isConflict(conflict)) {
                    throw conflict;
                }
                boolean stillTrying = store.find(tx.xid()).map(r -> r.state() == GlobalState.TRYING).orElse(false);
                log.info("registration of branch {} of {} met a concurrent change of the global row ({}); {}",
                        branch.branchId(), tx.xid(), conflict.getMessage(), stillTrying ? "trying again" : "it is decided");
                if (!stillTrying || attempt >= 3) {
                    throw new BranchRegistrationRefusedException(tx.xid(), branch.action());
                }
            }
        }
    }
}
