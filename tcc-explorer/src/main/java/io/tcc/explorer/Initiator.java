package io.tcc.explorer;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.tcc.BadInputException;
import io.tcc.context.CurrentTransaction;
import io.tcc.context.TransactionContext;
import io.tcc.fence.BranchKey;
import io.tcc.fence.FencePhase;
import io.tcc.global.CrashPoints;
import io.tcc.http.FaultInjector;
import io.tcc.recovery.OperatorActionRefusedException;
import io.tcc.recovery.Operations;

/**
 * Runs one planned transaction as an application would: the initiator's body tries each branch in turn, through the
 * real coordinator, fence and HTTP client, with the plan's faults armed and its race scheduled.
 */
final class Initiator {

    private static final Logger log = LoggerFactory.getLogger(Initiator.class);
    private static final FencePhase[] PHASES = {FencePhase.TRY, FencePhase.CONFIRM, FencePhase.CANCEL};

    @FunctionalInterface
    private interface Work {
        Object run() throws Throwable;
    }

    /** Carries a checked failure out of a TransactionTemplate callback, to be unwrapped unchanged. */
    private static final class Carried extends RuntimeException {
        Carried(Throwable cause) {
            super(cause);
        }
    }

    private final Topology t;
    private final Ledger ledger;
    private final Crashes crashes;
    private final ScheduledExecutorService others;

    Initiator(Topology topology, Ledger ledger, Crashes crashes, ScheduledExecutorService others) {
        this.t = topology;
        this.ledger = ledger;
        this.crashes = crashes;
        this.others = others;
    }

    void run(Plan plan, int slot) {
        Ledger.Tx tx = ledger.tx(plan.index());
        t.clock.step(plan.clockStepMs());
        List<Integer> rules = armWire(plan, slot);
        long started = System.nanoTime();
        try {
            t.initiator.execute("explore-" + plan.index(), Duration.ofMillis(plan.timeoutMs()), () -> body(plan, tx, slot));
            tx.answered(null);
        } catch (CrashPoints.SimulatedCrash crash) {
            tx.crashed(plan.crash());
        } catch (Throwable failure) {
            tx.answered(failure);
        } finally {
            tx.millis = (System.nanoTime() - started) / 1_000_000;
            rules.forEach(t.wire::remove);
        }
    }

    /** The remote branch's network faults, scoped to this worker's participant name, each hitting one call. */
    private List<Integer> armWire(Plan plan, int slot) {
        List<Integer> ids = new ArrayList<>();
        for (Plan.Branch branch : plan.branches()) {
            if (branch.wire() == null) {
                continue;
            }
            for (int phase = 0; phase < 3; phase++) {
                FaultInjector.Kind kind = branch.wire()[phase];
                if (kind != null) {
                    ids.add(t.wire.add(new FaultInjector.Rule(RemoteSlots.name(slot), Shop.ACTION, PHASES[phase], kind, 1,
                            1.0, kind == FaultInjector.Kind.DELAYED ? branch.wireDelayMs() : 0)));
                }
            }
        }
        return ids;
    }

    private String body(Plan plan, Ledger.Tx tx, int slot) throws Throwable {
        CurrentTransaction global = TransactionContext.current();
        ledger.started(tx, global.xid(), global.deadline());
        crashes.watch(global.xid(), plan);
        if (plan.race() != Plan.Race.NONE) {
            others.schedule(() -> race(plan.race(), tx), plan.raceDelayMs(), TimeUnit.MILLISECONDS);
        }
        for (int i = 0; i < plan.branches().size(); i++) {
            try {
                tryBranch(plan.branches().get(i), i, global, slot);
            } catch (CrashPoints.SimulatedCrash crash) {
                throw crash;
            } catch (Throwable failure) {
                tx.tryFailed = true;
                if (plan.propagateTryFailure()) {
                    throw failure;
                }
            }
        }
        if (plan.throwAfterTries()) {
            throw new PlannedFailure("the initiator's body failed after its tries, as planned");
        }
        return "done";
    }

    private void tryBranch(Plan.Branch b, int index, CurrentTransaction global, int slot) throws Throwable {
        Object[] args = {global.xid(), index, "sku-" + b.sku(), b.quantity(), b.faults(), global.deadline().toEpochMilli(),
                b.note()};
        switch (b.kind()) {
            case SHARED -> t.initiator.tryBranch(t.sharedAction, args, () -> reserve(t.sharedShop, args));
            case REMOTE -> t.slots.get(slot).reserve(global.xid(), index, "sku-" + b.sku(), b.quantity(), b.faults(),
                    global.deadline().toEpochMilli(), b.note());
            case OWN -> t.initiator.tryBranch(Topology.OWN, Shop.ACTION, null, (key, deadline) -> tryOwn(b, key, deadline, args));
        }
    }

    /** The own-DataSource branch's try: maybe inside the caller's transaction, after a cancel, or sent twice. */
    private Object tryOwn(Plan.Branch b, BranchKey key, Instant deadline, Object[] args) throws Throwable {
        Work send = () -> t.own.tryBranch(t.ownAction, key, deadline, args, () -> reserve(t.ownShop, args)).value();
        Work all = () -> {
            if (b.cancelFirst()) {
                // another thread, another local transaction: the cancel commits before this try starts. A thread of
                // its own, so it never queues behind the races, and no timeout of ours ends the wait
                Thread cancel = new Thread(() -> {
                    try {
                        t.own.cancel(key, Shop.ACTION, deadline);
                    } catch (Throwable e) {
                        ledger.count("cancel before try failed"); // the try then simply runs first
                    }
                }, "explorer-cancel-first");
                cancel.start();
                cancel.join();
            }
            Object value = send.run();
            if (b.duplicateTry()) {
                send.run();
            }
            return value;
        };
        if (!b.callerTx()) {
            return all.run();
        }
        try {
            return t.ownCallerTx.execute(status -> {
                // a read first, so a REPEATABLE READ snapshot is taken before the cancel and the try
                new org.springframework.jdbc.core.JdbcTemplate(t.ownPool)
                        .queryForObject("SELECT available FROM stock WHERE sku = ?", Integer.class, args[2]);
                try {
                    return all.run();
                } catch (RuntimeException | Error e) {
                    throw e;
                } catch (Throwable e) {
                    throw new Carried(e);
                }
            });
        } catch (Carried carried) {
            throw carried.getCause();
        }
    }

    private static String reserve(Shop shop, Object[] a) {
        return shop.reserve((String) a[0], (Integer) a[1], (String) a[2], (Integer) a[3], (String) a[4], (Long) a[5],
                (String) a[6]);
    }

    /** Recovery or an operator acting on the transaction while its initiator may still run it. */
    private void race(Plan.Race race, Ledger.Tx tx) {
        String xid = tx.xid;
        try {
            switch (race) {
                case RECOVERY_REDRIVE -> t.daemon.phaseTwo().resume(xid).ifPresent(state -> ledger.observe(xid, state));
                case OPERATOR_RETRY_NOW -> ledger.observe(xid, t.operations.retryNow(xid));
                case OPERATOR_CANCEL -> {
                    tx.operatorCancel = true;
                    ledger.observe(xid, t.operations.resolve(xid, Operations.Resolution.CANCEL_ALL,
                            "explorer: an operator cancels it while its initiator may still run it"));
                    tx.operatorResolved = true;
                }
                default -> {
                }
            }
            ledger.count("race " + race + " acted");
        } catch (OperatorActionRefusedException | BadInputException refused) {
            ledger.count("race " + race + " refused");
        } catch (RuntimeException e) {
            ledger.count("race " + race + " failed");
            log.warn("{} of {} failed: {}", race, xid, e.toString());
        }
    }
}
