package io.tcc.explorer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;

import io.tcc.global.GlobalRecord;
import io.tcc.global.GlobalState;
import io.tcc.recovery.OperatorActionRefusedException;
import io.tcc.recovery.Operations;
import io.tcc.recovery.Recovery;

/**
 * What runs beside the initiators: recovery passes back to back, cleanup at the minimum retention (after reading every
 * decision it could delete into the ledger), and an operator resolving what recovery flagged.
 */
final class Background implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Background.class);

    private final Topology t;
    private final Ledger ledger;
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean running = true;
    private volatile boolean operatorsOn = true;

    Background(Topology topology, Ledger ledger) {
        this.t = topology;
        this.ledger = ledger;
    }

    void start() {
        loop("explorer-recovery", this::recoveryPass);
        loop("explorer-cleanup", this::cleanupPass);
        loop("explorer-operator", this::operatorPass);
    }

    /** Operators go home: what is flagged from now on stays flagged, so the run can become quiet. */
    void stopOperators() {
        operatorsOn = false;
    }

    private void loop(String name, Runnable pass) {
        Thread thread = new Thread(() -> {
            while (running) {
                try {
                    pass.run();
                } catch (RuntimeException e) {
                    log.warn("{} pass failed: {}", name, e.toString());
                    pause(200);
                }
            }
        }, name);
        thread.setDaemon(true);
        thread.start();
        threads.add(thread);
    }

    private void recoveryPass() {
        Recovery.Pass pass = t.recovery.runOnce();
        if (pass.claimed() == 0) {
            pause(50);
        }
    }

    private void cleanupPass() {
        snapshot(); // everything cleanup may delete is read first
        t.cleanup.runOnce();
        t.ownFence.deleteFinished(t.retention, 500);
        t.remoteFence.deleteFinished(t.retention, 500);
        pause(700);
    }

    private void operatorPass() {
        pause(1000);
        if (!operatorsOn) {
            return;
        }
        for (GlobalRecord flagged : t.operations.list(null, true, Duration.ZERO, 100)) {
            Operations.Resolution resolution = flagged.state() == GlobalState.CONFIRMING
                    ? Operations.Resolution.CONFIRM_ALL : Operations.Resolution.CANCEL_ALL;
            try {
                ledger.observe(flagged.xid(), t.operations.resolve(flagged.xid(), resolution,
                        "explorer: an operator resolves what recovery flagged"));
                ledger.operatorResolved(flagged.xid());
                ledger.count("operator resolved a flagged transaction");
            } catch (OperatorActionRefusedException refused) {
                ledger.count("operator resolution refused");
            }
        }
    }

    /** Reads every transaction in the log into the ledger's observations. */
    void snapshot() {
        new JdbcTemplate(t.logDb.dataSource()).query("SELECT xid, state FROM tcc_global",
                row -> {
                    ledger.observe(row.getString(1), GlobalState.valueOf(row.getString(2)));
                });
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        running = false;
        for (Thread thread : threads) {
            try {
                thread.join(30_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
