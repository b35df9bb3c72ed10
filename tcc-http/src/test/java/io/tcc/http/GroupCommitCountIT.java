package io.tcc.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.tcc.test.Await;

/**
 * Commits per global transaction of the demo flow (one local branch, one remote) at 1, 8 and 32 concurrent clients,
 * with the log's group commit (defaults) and completions riding on later commits: counted by each service's DataSource
 * and by MariaDB's own counters (SHOW GLOBAL STATUS, server-wide: other work on the server adds to them).
 */
class GroupCommitCountIT extends TwoServices {

    private static final int ORDERS_PER_CLIENT = 10;

    /** 32 clients' calls wait for a place at the participant instead of being answered BUSY: this test counts, it injects nothing. */
    @Override
    String[] moreInventorySettings() {
        return new String[] {"tcc.http.participant.busy-wait=10s"};
    }

    @Override
    String[] moreOrderSettings() {
        return new String[] {"tcc.completion-linger=200ms", "tcc.http.remote.participants.inventory.call-timeout=10s"};
    }

    @Test
    void concurrentDemoFlowsShareTheLogsCommits() throws Exception {
        int total = ORDERS_PER_CLIENT * (1 + 8 + 32) + 1;
        orderDb.jdbc().update("INSERT INTO stock (sku, available, frozen, sold) VALUES (?, ?, 0, 0)", sku, total);
        inventoryDb.jdbc().update("UPDATE stock SET available = ? WHERE sku = ?", total, sku);
        orders().placeWithLocalBranch(sku, 1); // warms both services up
        double initiatorAt32 = 0;
        double initiatorAt1 = 0;
        for (int clients : new int[] {1, 8, 32}) {
            Await.until("no completion waiting to be logged", Duration.ofSeconds(10), () -> orderDb.jdbc().queryForObject(
                    "SELECT COUNT(*) FROM tcc_global WHERE state <> 'CONFIRMED'", Integer.class) == 0);
            long comBefore = status("Com_commit");
            long handlerBefore = status("Handler_commit");
            int orderBefore = orderData.commits();
            int inventoryBefore = inventoryData.commits();
            ExecutorService pool = Executors.newFixedThreadPool(clients);
            List<Future<?>> done = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                done.add(pool.submit(() -> {
                    for (int i = 0; i < ORDERS_PER_CLIENT; i++) {
                        orders().placeWithLocalBranch(sku, 1);
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(5, TimeUnit.MINUTES);
            }
            pool.shutdown();
            Await.until("every transaction logged CONFIRMED", Duration.ofSeconds(10), () -> orderDb.jdbc().queryForObject(
                    "SELECT COUNT(*) FROM tcc_global WHERE state <> 'CONFIRMED'", Integer.class) == 0);
            double n = clients * ORDERS_PER_CLIENT;
            double initiator = (orderData.commits() - orderBefore) / n;
            double participant = (inventoryData.commits() - inventoryBefore) / n;
            System.out.printf("commits per global transaction | %2d clients x %d demo flows | initiator (order service)"
                    + " %.2f, participant (inventory) %.2f, both %.2f | MariaDB server-wide: Com_commit %.2f,"
                    + " Handler_commit %.2f%n", clients, ORDERS_PER_CLIENT, initiator, participant, initiator + participant,
                    (status("Com_commit") - comBefore) / n, (status("Handler_commit") - handlerBefore) / n);
            if (clients == 1) {
                initiatorAt1 = initiator;
            }
            if (clients == 32) {
                initiatorAt32 = initiator;
            }
        }
        assertArrayEquals(new int[] {0, 0, total}, stock(sku));
        assertEquals(0, orderDb.jdbc().queryForObject("SELECT COUNT(*) FROM tcc_branch WHERE state <> 'CONFIRMED'",
                Integer.class));
        // the contract's commits: local try + registrations; decision + local confirm; the remote completion rides
        assertTrue(initiatorAt1 <= 5.0, "at 1 client: " + initiatorAt1);
        assertTrue(initiatorAt32 <= 3.0, "at 32 clients: " + initiatorAt32);
    }

    private long status(String name) {
        return orderDb.jdbc().queryForObject("SHOW GLOBAL STATUS LIKE ?", (rs, n) -> rs.getLong(2), name);
    }
}
