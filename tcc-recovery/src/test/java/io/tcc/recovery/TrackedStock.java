package io.tcc.recovery;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.springframework.jdbc.core.JdbcTemplate;

import io.tcc.annotation.Cancel;
import io.tcc.annotation.Confirm;
import io.tcc.annotation.Try;
import io.tcc.context.BranchContext;

/** A stock participant that counts how often, and how concurrently, each branch's confirm reaches it. */
public class TrackedStock {

    final Map<String, AtomicInteger> confirms = new ConcurrentHashMap<>();
    final AtomicInteger overlaps = new AtomicInteger();
    final AtomicBoolean failConfirms = new AtomicBoolean();
    /** How long each confirm takes: a slow participant. */
    final AtomicLong confirmMillis = new AtomicLong();
    private final Map<String, AtomicInteger> inFlight = new ConcurrentHashMap<>();
    private final JdbcTemplate jdbc;

    public TrackedStock(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    @Try("reserve-stock")
    public void reserve(String sku, int quantity) {
        jdbc.update("UPDATE stock SET available = available - ?, frozen = frozen + ? WHERE sku = ?", quantity, quantity, sku);
    }

    @Confirm
    public void sell(String sku, int quantity, BranchContext branch) {
        String key = branch.xid() + "/" + branch.branchId();
        if (inFlight.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet() > 1) {
            overlaps.incrementAndGet();
        }
        try {
            slowly();
            if (failConfirms.get()) {
                throw new IllegalStateException("confirm refused (simulated outage)");
            }
            confirms.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
            jdbc.update("UPDATE stock SET frozen = frozen - ?, sold = sold + ? WHERE sku = ?", quantity, quantity, sku);
        } finally {
            inFlight.get(key).decrementAndGet();
        }
    }

    private void slowly() {
        try {
            Thread.sleep(confirmMillis.get()); // the participant's own work, not a wait for a state
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Cancel
    public void release(String sku, int quantity) {
        jdbc.update("UPDATE stock SET frozen = frozen - ?, available = available + ? WHERE sku = ?", quantity, quantity, sku);
    }
}
