package io.tcc.explorer;

import javax.sql.DataSource;

import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.JdbcTemplate;

import io.tcc.annotation.Cancel;
import io.tcc.annotation.Confirm;
import io.tcc.annotation.Try;

/**
 * The explorer's business: try freezes stock, confirm sells it, cancel releases it, and each writes a row into
 * {@code effects} in the same local transaction, so exactly-once is read from the database. The try's arguments
 * carry the xid, the plan's branch index and the planned faults to all three phases.
 */
public class Shop {

    public static final String ACTION = "reserve";

    private final JdbcTemplate jdbc;
    private final DataSource blockers;
    private final boolean postgres;
    private final BusinessFaults faults;

    Shop(DataSource dataSource, DataSource blockers, BusinessFaults faults, boolean postgres) {
        this.jdbc = new JdbcTemplate(dataSource);
        this.postgres = postgres;
        this.blockers = blockers;
        this.faults = faults;
    }

    @Try(ACTION)
    public String reserve(String xid, int branch, String sku, int quantity, String plan, long deadlineMs, String note) {
        run("try", "UPDATE stock SET available = available - ?, frozen = frozen + ? WHERE sku = ?", xid, branch, sku,
                quantity, plan, deadlineMs, note);
        return "reserved " + quantity + " " + sku;
    }

    @Confirm(ACTION)
    public void sell(String xid, int branch, String sku, int quantity, String plan, long deadlineMs, String note) {
        run("confirm", "UPDATE stock SET frozen = frozen - ?, sold = sold + ? WHERE sku = ?", xid, branch, sku, quantity,
                plan, deadlineMs, note);
    }

    @Cancel(ACTION)
    public void release(String xid, int branch, String sku, int quantity, String plan, long deadlineMs, String note) {
        run("cancel", "UPDATE stock SET frozen = frozen - ?, available = available + ? WHERE sku = ?", xid, branch, sku,
                quantity, plan, deadlineMs, note);
    }

    private void run(String phase, String update, String xid, int branch, String sku, int quantity, String plan,
                     long deadlineMs, String note) {
        if (!Planner.NOTES.contains(note)) {
            faults.garbled(phase + " of " + xid + " branch " + branch + " got the note " + note.codePoints()
                    .mapToObj(Integer::toHexString).toList() + ", which no plan sent");
        }
        Plan.Fault fault = faults.take(xid, branch, phase, plan);
        if (fault == Plan.Fault.PAST_DEADLINE) {
            sleepUntil(deadlineMs + 50);
        }
        if (fault == Plan.Fault.LOCK_WAIT) {
            BusinessFaults.holdRow(blockers, sku);
            updateWithShortLockTimeout(update, sku, quantity);
        } else {
            jdbc.update(update, quantity, quantity, sku);
        }
        jdbc.update("INSERT INTO effects (xid, branch_id, phase) VALUES (?, ?, ?)", xid, Integer.toString(branch), phase);
        String what = phase + " of " + xid + " branch " + branch;
        switch (fault) {
            case THROW -> throw new PlannedFailure(what + " failed as planned");
            case PAST_DEADLINE -> {
                if (!phase.equals("try")) {
                    throw new PlannedFailure(what + " failed as planned after the deadline");
                }
            }
            case SWALLOW_SQL -> {
                try {
                    jdbc.update("INSERT INTO stock (sku, available, frozen, sold) VALUES (?, 0, 0, 0)", sku);
                } catch (DataAccessException swallowed) {
                    // on purpose: on PostgreSQL this aborts the local transaction, and its COMMIT rolls back
                }
            }
            default -> {
            }
        }
    }

    /**
     * The update under a 1 s lock timeout, for this statement only: a pool-wide one would also time out the log's and
     * the fence's own waits, which the plan does not ask for.
     */
    private void updateWithShortLockTimeout(String update, String sku, int quantity) {
        if (postgres) {
            jdbc.execute("SET LOCAL lock_timeout = '1s'"); // until this local transaction ends
            jdbc.update(update, quantity, quantity, sku);
            return;
        }
        jdbc.execute("SET SESSION innodb_lock_wait_timeout = 1");
        try {
            jdbc.update(update, quantity, quantity, sku);
        } finally {
            jdbc.execute("SET SESSION innodb_lock_wait_timeout = DEFAULT");
        }
    }

    private static void sleepUntil(long epochMs) {
        long wait = epochMs - System.currentTimeMillis();
        if (wait > 0) {
            try {
                Thread.sleep(wait);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
