package io.tcc.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.tcc.test.Await;

/**
 * The demo flow (one local branch, one remote) with {@code tcc.completion-linger}: the record of the remote branch's
 * confirm, with the final state, rides on the order service's next commit, so transactions that follow each other
 * cost 5 commits each across both services instead of 6.
 */
class LingeringCompletionsIT extends TwoServices {

    @Override
    String[] moreOrderSettings() {
        // a linger longer than a loaded machine ever takes between two orders, so each record rides on the next one's
        // commit; and a call timeout that a cold, loaded service does not miss (this test counts, it injects nothing)
        return new String[] {"tcc.completion-linger=3s", "tcc.http.remote.participants.inventory.call-timeout=5s"};
    }

    @Test
    void successiveDemoFlowsCostFiveCommitsEachAndEveryOneIsLogged() {
        orderDb.jdbc().update("INSERT INTO stock (sku, available, frozen, sold) VALUES (?, 11, 0, 0)", sku);
        inventoryDb.jdbc().update("UPDATE stock SET available = 11 WHERE sku = ?", sku);
        orders().placeWithLocalBranch(sku, 1); // warms both services up; its record rides on the first counted commit
        int orderBefore = orderData.commits();
        int inventoryBefore = inventoryData.commits();
        List<String> xids = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            orders().placeWithLocalBranch(sku, 1);
            xids.add(orders().lastXid());
        }
        // the last one's record has nothing to ride on: it is written alone once its linger is over
        String unfinished = "SELECT COUNT(*) FROM tcc_global WHERE state <> 'CONFIRMED' AND xid IN (" + String.join(",",
                xids.stream().map(x -> "'" + x + "'").toList()) + ")";
        Await.until("every transaction logged CONFIRMED", Duration.ofSeconds(10),
                () -> orderDb.jdbc().queryForObject(unfinished, Integer.class) == 0);

        int orderCommits = orderData.commits() - orderBefore;
        int inventoryCommits = inventoryData.commits() - inventoryBefore;
        System.out.printf("commits | 10 demo flows in a row, completions lingering | order service %d, inventory service %d,"
                + " %.1f per transaction%n", orderCommits, inventoryCommits, (orderCommits + inventoryCommits) / 10.0);
        assertEquals(0, orderDb.jdbc().queryForObject(unfinished, Integer.class), "every transaction is logged CONFIRMED");
        // order: local try + begin + registration (carrying the previous one's completion) | remote registration |
        // decision + local confirm; and once, the last completion alone
        assertEquals(3 * 10 + 1, orderCommits); // the warm-up's record rode on the first commit counted here
        assertEquals(2 * 10, inventoryCommits, "inventory: each remote try and confirm");
        assertArrayEquals(new int[] {0, 0, 11}, stock(sku));
    }
}
