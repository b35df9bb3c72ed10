package io.tcc.demo.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import io.tcc.demo.Balancer;
import io.tcc.demo.DemoDbServer;
import io.tcc.demo.Demo;

/**
 * The CI-sized chaos runs: each service killed at least once, faults and TCP freezes and cuts, on the server of
 * {@code TCC_TEST_MYSQL_URL} (two databases of its own, dropped afterwards) or else an embedded MariaDB. The seed is
 * printed; {@code -Dchaos.seed=} replays its plan. The scaled run needs HAProxy: without it, it reports itself not
 * run with the install command, as the Galera tests do.
 */
class ChaosIT {

    @Test
    void afterFaultsCutsAndKillsEveryOrderEndsRightAndTheInvariantHolds() throws Exception {
        run(500, 0, false);
    }

    /** The same run with every order answered as soon as it is decided: phase two on the order service's pool. */
    @Test
    void withAsyncPhaseTwoEveryOrderEndsRightAndTheInvariantHolds() throws Exception {
        run(500, 1, false);
    }

    /**
     * On two instances of each service behind HAProxy, recovery in both order instances and in a standalone daemon;
     * the freezes and cuts on the links between the balancer and the inventory instances. The full run on Galera is
     * {@code -Dchaos.topology=scaled} (docs/chaos.md).
     */
    @Test
    void behindTheBalancerWithInstancesKilledEveryOrderEndsRightAndTheInvariantHolds() throws Exception {
        Balancer.notRunReason().ifPresent(reason -> {
            System.out.println("ChaosIT (scaled) " + reason);
            Assumptions.abort(reason);
        });
        run(400, 0, true);
    }

    private void run(int orders, double asyncShare, boolean scaled) throws Exception {
        long seed = Long.getLong("chaos.seed", ThreadLocalRandom.current().nextLong(1L << 48));
        System.out.println("ChaosIT: seed " + seed + ", async share " + asyncShare + (scaled ? ", scaled" : ""));
        String suffix = Long.toString(ThreadLocalRandom.current().nextLong(1L << 40), 36);
        Chaos.Settings settings = Chaos.Settings.of(orders, seed).withAsyncShare(asyncShare);
        try (DemoDbServer server = DemoDbServer.at(System.getenv("TCC_TEST_MYSQL_URL"), null)) {
            Demo.Config config = new Demo.Config(server.url(), "chaos_it_order_" + suffix, "chaos_it_inventory_" + suffix,
                    true, Path.of(System.getProperty("demo.orderJar")), Path.of(System.getProperty("demo.inventoryJar")),
                    Path.of(System.getProperty("demo.workDir", "target/it"), "chaos-" + suffix));
            try (Chaos chaos = scaled ? Chaos.scaled(config, settings, new Topology.Scale(2, 2, List.of(server.url()), null,
                    Path.of(System.getProperty("demo.daemonJar"))), System.out) : Chaos.create(config, settings, System.out)) {
                ChaosReport report = chaos.run();
                report.print(System.out);

                assertEquals(List.of(), report.violations(), "seed " + seed);
                ChaosTally tally = report.tally();
                assertEquals(1, tally.kills.get(ChaosTally.ORDER).size(), "an order service instance killed once");
                assertEquals(1, tally.kills.get(ChaosTally.INVENTORY).size(), "an inventory instance killed once");
                assertTrue(tally.freezes >= 3 && tally.cuts >= 3, "freezes and cuts of the TCP proxies");
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
}
