package io.tcc.explorer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import javax.sql.DataSource;

import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.JdbcTemplate;

import io.tcc.BadInputException;
import io.tcc.fence.FenceConflictException;
import io.tcc.fence.FenceStoreException;
import io.tcc.fence.LocalTransactionLostException;
import io.tcc.fence.SnapshotTooOldException;
import io.tcc.fence.TryRefusedException;
import io.tcc.global.BranchRegistrationRefusedException;
import io.tcc.global.GlobalState;
import io.tcc.global.GlobalTransactionCancelledException;
import io.tcc.global.GlobalTransactionMissingException;
import io.tcc.http.RemoteBranchException;

/** After quiescence: what the databases hold, judged against every transaction's plan, answer and observed decisions. */
final class Checks {

    /**
     * The exceptions a caller of a global transaction may see (Coordinator.execute's Javadoc, the "what the caller is
     * told" table of docs/global-transactions.md, docs/fence.md, docs/remote-participants.md), besides the business's
     * own ({@link PlannedFailure} and its SQL errors as Spring's {@link DataAccessException}). Anything else reaching a
     * caller is a violation. {@code GlobalLogException} is documented too, for a log that cannot be read or written;
     * it is left out on purpose: the explorer's databases stay up, so a log failure here is one the framework's own
     * concurrency caused (PostgreSQL serialization failures, InnoDB deadlocks on the log).
     */
    static final List<Class<? extends Throwable>> DOCUMENTED = List.of(GlobalTransactionCancelledException.class,
            GlobalTransactionMissingException.class, PlannedFailure.class, DataAccessException.class,
            TryRefusedException.class, FenceConflictException.class, FenceStoreException.class,
            LocalTransactionLostException.class, SnapshotTooOldException.class, BadInputException.class,
            BranchRegistrationRefusedException.class, RemoteBranchException.class);

    /** What a GlobalTransactionCancelledException says when another party decided CANCEL first (Coordinator). */
    static final String DECIDED_FIRST = "decided CANCEL first";

    record Violation(String xid, String kind, String detail, Plan plan) {
    }

    /** The log's last word on a transaction. */
    private record Row(GlobalState state, boolean flagged, String reason) {
    }

    final List<Violation> violations = new ArrayList<>();
    final List<String> flagged = new ArrayList<>();
    final Map<String, Integer> decisions = new HashMap<>();

    void run(Topology t, Ledger ledger) {
        Map<String, Row> log = new HashMap<>();
        new JdbcTemplate(t.logDb.dataSource()).query("SELECT xid, state, needs_operator, operator_reason FROM tcc_global",
                r -> {
                    GlobalState state = GlobalState.valueOf(r.getString(2));
                    log.put(r.getString(1), new Row(state, r.getBoolean(3), r.getString(4)));
                    ledger.observe(r.getString(1), state);
                });
        // the rows cleanup deleted, with their last (finished) state, recorded by a trigger (Topology)
        new JdbcTemplate(t.logDb.dataSource()).query("SELECT xid, state FROM deleted_global", r -> {
            GlobalState state = GlobalState.valueOf(r.getString(2));
            log.putIfAbsent(r.getString(1), new Row(state, false, null));
            if (ledger.directions(r.getString(1)).isEmpty()) {
                ledger.count("decision seen only in deleted_global (cleanup outran the ledger's reads)");
            }
            ledger.observe(r.getString(1), state);
        });
        Map<String, int[]> effects = new HashMap<>();
        for (DataSource db : t.participantDatabases()) {
            // counted here, not by GROUP BY: MariaDB's temporary table for that lives in its tmpdir, which a long run
            // on a shared machine once lost underneath it (Errcode 2 on deleting #sql-temptable)
            new JdbcTemplate(db).query("SELECT xid, branch_id, phase FROM effects", r -> {
                effects.computeIfAbsent(r.getString(1) + " " + r.getString(2), k -> new int[3])[phaseIndex(r.getString(3))]++;
            });
            new JdbcTemplate(db).query("SELECT sku, available, frozen, sold FROM stock", r -> {
                long total = (long) r.getInt(2) + r.getInt(3) + r.getInt(4);
                if (r.getInt(3) != 0 || total != Topology.INITIAL_STOCK) {
                    violations.add(new Violation("-", "frozen", r.getString(1) + " holds available " + r.getInt(2)
                            + ", frozen " + r.getInt(3) + ", sold " + r.getInt(4) + " (initial " + Topology.INITIAL_STOCK
                            + ")", null));
                }
            });
        }
        for (Ledger.Tx tx : ledger.transactions()) {
            check(tx, log.get(tx.xid), ledger, effects);
        }
        t.faults.garbled.forEach(what -> violations.add(new Violation("-", "arguments", what, null)));
    }

    private void check(Ledger.Tx tx, Row row, Ledger ledger, Map<String, int[]> effects) {
        Plan plan = tx.plan;
        if (tx.failure != null && DOCUMENTED.stream().noneMatch(type -> type.isInstance(tx.failure))) {
            add(tx, "exception", "the caller got " + tx.failure);
        }
        if (tx.failure != null) {
            for (Throwable suppressed : tx.failure.getSuppressed()) {
                // a cancel that could not be logged, on databases that stayed up (see DOCUMENTED)
                add(tx, "exception", "the caller's " + tx.failure.getClass().getSimpleName() + " carries " + suppressed);
            }
        }
        if (tx.xid == null) {
            return; // the body never ran: nothing was registered
        }
        Set<GlobalState> seen = ledger.directions(tx.xid);
        if (seen.size() > 1) {
            add(tx, "reversed", "decisions observed: " + seen);
        }
        if (row != null && !row.state().isFinished()) {
            if (!row.flagged()) {
                add(tx, "stuck", "still " + row.state() + " after quiescence, not flagged");
            } else if (row.state().isDecided() && allMatch(tx, row.state().finalState(), effects)) {
                add(tx, "stuck-done", "flagged " + row.state() + " although every branch's business effect already"
                        + " matches the decision: " + row.reason());
            } else {
                flagged.add(tx.xid + " " + row.state() + ": " + row.reason() + "\n    plan " + plan);
            }
            return;
        }
        GlobalState decision = row != null ? row.state() : seen.size() == 1 ? seen.iterator().next() : null;
        decisions.merge(decider(tx, decision), 1, Integer::sum);
        for (int b = 0; b < plan.branches().size(); b++) {
            int[] e = effects.getOrDefault(tx.xid + " " + b, new int[3]);
            if (!matches(decision, e)) {
                add(tx, "effects", "branch " + b + " (" + plan.branches().get(b).kind() + ") has try " + e[0] + ", confirm "
                        + e[1] + ", cancel " + e[2] + " under decision " + (decision == null ? "none (never logged)" : decision));
            }
        }
        switch (tx.answer) {
            case RETURNED -> {
                if (decision != GlobalState.CONFIRMED) {
                    add(tx, "answer", "the caller got a result, but the log says " + decision);
                }
            }
            case CANCELLED, THREW -> {
                if (decision == GlobalState.CONFIRMED) {
                    add(tx, "answer", "the caller was told it failed (" + tx.failure + "), but the log says CONFIRMED");
                }
                if (tx.answer == Ledger.Answer.CANCELLED && tx.failure.getMessage().contains(DECIDED_FIRST)
                        && !someoneElseCouldDecide(tx)) {
                    add(tx, "decider", "the caller was told '" + tx.failure.getMessage() + "', but no recovery or operator"
                            + " could have decided: answered " + (tx.answeredAt.toEpochMilli() - tx.deadline.toEpochMilli())
                            + " ms after the deadline, recovery waits " + Topology.RECOVERY_MARGIN.toMillis() + " ms past it");
                }
            }
            default -> {
            }
        }
    }

    /** A branch's effects (try, confirm, cancel counts) under a final decision, or none when never logged. */
    private static boolean matches(GlobalState decision, int[] e) {
        return decision == GlobalState.CONFIRMED ? e[0] == 1 && e[1] == 1 && e[2] == 0
                : decision == GlobalState.CANCELLED ? e[1] == 0 && e[0] <= 1 && e[2] == e[0]
                : e[0] + e[1] + e[2] == 0;
    }

    private static boolean allMatch(Ledger.Tx tx, GlobalState decision, Map<String, int[]> effects) {
        for (int b = 0; b < tx.plan.branches().size(); b++) {
            if (!matches(decision, effects.getOrDefault(tx.xid + " " + b, new int[3]))) {
                return false;
            }
        }
        return true;
    }

    /**
     * An operator cancels a running transaction only when the plan sent one; recovery (and the operator resolving what
     * recovery flagged) acts only past deadline plus margin by its clock.
     */
    private static boolean someoneElseCouldDecide(Ledger.Tx tx) {
        return tx.operatorCancel || !tx.answeredAt.isBefore(tx.deadline.plus(Topology.RECOVERY_MARGIN));
    }

    private static String decider(Ledger.Tx tx, GlobalState decision) {
        if (decision == null) {
            return "none (nothing registered)";
        }
        if (decision == GlobalState.CONFIRMED) {
            return "confirm";
        }
        boolean initiator = tx.answer == Ledger.Answer.THREW
                || (tx.answer == Ledger.Answer.CANCELLED && !tx.failure.getMessage().contains(DECIDED_FIRST))
                || (tx.answer == Ledger.Answer.CRASHED && tx.crashedAt != null && tx.crashedAt.compareTo(
                        io.tcc.global.CrashPoints.Point.AFTER_DECISION) >= 0);
        // the log does not record who decided: an operator's resolve also lands on what recovery decided first
        return initiator ? "cancel by initiator" : tx.operatorResolved ? "cancel by recovery or an operator (resolved)"
                : "cancel by recovery";
    }

    private void add(Ledger.Tx tx, String kind, String detail) {
        violations.add(new Violation(tx.xid == null ? "#" + tx.plan.index() : tx.xid, kind, detail, tx.plan));
    }

    private static int phaseIndex(String phase) {
        return switch (phase) {
            case "try" -> 0;
            case "confirm" -> 1;
            default -> 2;
        };
    }
}
