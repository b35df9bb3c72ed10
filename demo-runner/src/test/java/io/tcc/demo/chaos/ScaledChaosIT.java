package io.tcc.demo.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import io.tcc.demo.Balancer;
import io.tcc.demo.Demo;
import io.tcc.demo.DemoDbServer;

/**
 * The CI-sized chaos run on the scaled topology: two instances of each service behind HAProxy, recovery in both order
 * instances and in a standalone daemon, on the server of {@code TCC_TEST_MYSQL_URL} (or else an embedded MariaDB).
 * Faults, freezes and cuts of the links between the balancer and the inventory instances, and a kill -9 of an instance
 * of each service while orders flow; 0 violations. Without HAProxy it reports itself not run, with the install
 * command, as the Galera tests do. The full run on Galera is {@code -Dchaos.topology=scaled} (docs/chaos.md).
 */
class ScaledChaosIT {

    @Test
    void behindTheBalancerWithInstancesKilledEveryOrderEndsRightAndTheInvariantHolds() throws Exception {
        Balancer.notRunReason().ifPresent(reason -> {
            System.out.println("ScaledChaosIT " + reason);
            Assumptions.abort(reason);
        });
        long seed = Long.getLong("chaos.seed", ThreadLocalRandom.current().nextLong(1L << 48));
        System.out.println("ScaledChaosIT: seed " + seed);
        String suffix = Long.toString(ThreadLocalRandom.current().nextLong(1L << 40), 36);
        try (DemoDbServer server = DemoDbServer.at(System.getenv("TCC_TEST_MYSQL_URL"), null);
             Chaos chaos = Chaos.scaled(new Demo.Config(server.url(), "scaled_it_order_" + suffix,
                     "scaled_it_inventory_" + suffix, true, Path.of(System.getProperty("demo.orderJar")),
                     Path.of(System.getProperty("demo.inventoryJar")),
                     Path.of(System.getProperty("demo.workDir", "target/it"), "scaled-" + suffix)),
                     Chaos.Settings.of(400, seed), new Topology.Scale(2, 2, List.of(server.url()), null,
                             Path.of(System.getProperty("demo.daemonJar"))), System.out)) {
            ChaosReport report = chaos.run();
            report.print(System.out);

            assertEquals(List.of(), report.violations(), "seed " + seed);
            ChaosTally tally = report.tally();
            assertEquals(1, tally.kills.get(ChaosTally.ORDER).size(), "an order instance killed once");
            assertEquals(1, tally.kills.get(ChaosTally.INVENTORY).size(), "an inventory instance killed once");
            assertTrue(tally.freezes >= 3 && tally.cuts >= 3, "freezes and cuts of the links to the inventory instances");
            assertTrue(report.ordersIn("CONFIRMED") > 0 && report.ordersIn("CANCELLED") > 0, "seed " + seed);
        }
    }
}
