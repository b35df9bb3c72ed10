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

    /** Commits a branch's registration on its own, before its try is sent. */
    void alone(ActiveTransaction tx, BranchRecord branch) throws Exception {
        tx.register(() -> {
            store.inLog(c -> {
                write(c, tx, branch);
                return null;
            });
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
            T value = lookingAgainAfterConflicts(tx, branch, () -> store.inShared(c -> {
                write(c, tx, branch);
                return localTry.run(c);
            }));
            tx.registered(branch);
            return value;
        });
    }

    private void write(Connection c, ActiveTransaction tx, BranchRecord branch) throws SQLException {
        if (!tx.logged()) {
            if (!clock.instant().isBefore(tx.deadline())) {
                throw new BranchRegistrationRefusedException(tx.xid(), branch.action());
            }
            store.sql().insertGlobal(c, tx.xid(), tx.name(), tx.deadline(), store.config().timing().recoveryMargin());
        } else if (!holdForRegistration(c, tx.xid())) {
            throw new BranchRegistrationRefusedException(tx.xid(), branch.action());
        }
        store.sql().insertBranch(c, tx.xid(), branch.branchId(), branch.participant(), branch.action(), branch.endpoint());
        log.debug("registered branch {} ({} {}) of {}", branch.branchId(), branch.participant(), branch.action(), tx.xid());
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
            } catch (Conflict conflict) {
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
