package io.tcc.demo.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import org.junit.jupiter.api.Test;

import io.tcc.demo.DemoDbServer;
import io.tcc.demo.Demo;

/**
 * The CI-sized chaos run: 500 orders, each service killed at least once, faults and TCP freezes and cuts, on the
 * server of {@code TCC_TEST_MYSQL_URL} (two databases of its own, dropped afterwards) or else an embedded MariaDB. The
 * seed is printed; {@code -Dchaos.seed=} replays its plan.
 */
class ChaosIT {

    @Test
    void afterFaultsCutsAndKillsEveryOrderEndsRightAndTheInvariantHolds() throws Exception {
        run(0);
    }

    /** The same run with every order answered as soon as it is decided: phase two on the order service's pool. */
    @Test
    void withAsyncPhaseTwoEveryOrderEndsRightAndTheInvariantHolds() throws Exception {
        run(1);
    }

    private void run(double asyncShare) throws Exception {
        long seed = Long.getLong("chaos.seed", ThreadLocalRandom.current().nextLong(1L << 48));
        System.out.println("ChaosIT: seed " + seed + ", async share " + asyncShare);
        String suffix = Long.toString(ThreadLocalRandom.current().nextLong(1L << 40), 36);
        try (DemoDbServer server = DemoDbServer.at(System.getenv("TCC_TEST_MYSQL_URL"), null);
             Chaos chaos = Chaos.create(new Demo.Config(server.url(), "chaos_it_order_" + suffix, "chaos_it_inventory_" + suffix,
                     true, Path.of(System.getProperty("demo.orderJar")), Path.of(System.getProperty("demo.inventoryJar")),
                     Path.of(System.getProperty("demo.workDir", "target/it"), "chaos-" + suffix)),
                     Chaos.Settings.of(500, seed).withAsyncShare(asyncShare), System.out)) {
            ChaosReport report = chaos.run();
            report.print(System.out);

            assertEquals(List.of(), report.violations(), "seed " + seed);
            ChaosTally tally = report.tally();
            assertEquals(1, tally.kills.get(ChaosTally.ORDER).size(), "the order service killed once");
            assertEquals(1, tally.kills.get(ChaosTally.INVENTORY).size(), "the inventory killed once");
            assertTrue(tally.freezes >= 3 && tally.cuts >= 3, "freezes and cuts of the TCP proxy");
            for (String phase : ChaosPlan.PHASES) {
                for (String kind : ChaosPlan.KINDS) {
                    assertTrue(tally.faults.get(phase).get(kind) > 0, kind + " injected on " + phase + "; seed " + seed);
                }
            }
            assertTrue(report.ordersIn("CONFIRMED") > 0 && report.ordersIn("CANCELLED") > 0, "seed " + seed);
            assertTrue(tally.refusedForStock > 0, "tries refused for stock; seed " + seed);
        }
    }
}
