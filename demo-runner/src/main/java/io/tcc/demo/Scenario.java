package io.tcc.demo;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.springframework.jdbc.core.JdbcTemplate;

import tools.jackson.databind.JsonNode;

/**
 * The demo's script, played over real HTTP against the two service JVMs: each step causes one kind of trouble and
 * checks, in the databases and through the services' endpoints, what the guarantee promises. A step that does not see
 * it is failed; anything else that goes wrong stops the play. The orders come from {@link OrderLoad}, the checks from
 * {@link StepChecks}; each step returns what it saw as {@link StepFacts}.
 */
final class Scenario {

    /** How big the batches are; the integration test plays a smaller version of the same script. */
    record Settings(int batch, int killBatch, int concurrency, Duration recoveryTimeout) {
        static Settings full() {
            return new Settings(40, 40, 4, Duration.ofMinutes(3));
        }

        static Settings reduced() {
            return new Settings(10, 12, 3, Duration.ofMinutes(3));
        }
    }

    /** One step's result: whether it is what the guarantee promises, what was seen; {@code facts} null if it failed. */
    record Step(int number, String title, boolean ok, String observation, StepFacts facts) {
    }

    /** What a step saw differs from what the guarantee promises. */
    static final class Unexpected extends Exception {
        Unexpected(String message) {
            super(message);
        }
    }

    @FunctionalInterface
    private interface Body {
        StepFacts play() throws Exception;
    }

    static final int STEPS = 7;

    private final Demo demo;
    private final Settings settings;
    private final ProgressLine line;
    private final OrderLoad load;
    private final StepChecks checks;
    private final List<Step> steps = new ArrayList<>();

    Scenario(Demo demo, Settings settings, PrintStream out) {
        this.demo = demo;
        this.settings = settings;
        this.line = new ProgressLine(out);
        this.load = new OrderLoad(demo.client, settings.concurrency(), line);
        this.checks = new StepChecks(demo);
    }

    List<Step> play() throws Exception {
        step(1, "a batch of " + settings.batch() + " ordinary orders", this::ordinaryBatch);
        step(2, "an order for more than is in stock", this::tooLittleStock);
        step(3, "a try whose request is lost", this::tryRequestLost);
        step(4, "a confirm whose response is lost", this::confirmResponseLost);
        step(5, "a try delivered after its cancel", this::tryAfterItsCancel);
        step(6, "the inventory killed (kill -9) in the middle of a batch of " + settings.killBatch() + ", then restarted",
                this::inventoryKilledMidBatch);
        step(7, "the order service killed between decision and phase two, then restarted", this::orderKilledAfterDecision);
        line.begin("waiting until recovery has finished every transaction ...");
        Duration took = checks.awaitAllFinished(settings.recoveryTimeout());
        line.end(" done (" + seconds(took) + ")");
        return steps;
    }

    private void step(int number, String title, Body body) throws Exception {
        line.begin("[" + number + "/" + STEPS + "] " + title + " ...");
        Instant start = Instant.now();
        try {
            StepFacts facts = body.play();
            steps.add(new Step(number, title, true, facts.observation(), facts));
            line.end(" ok (" + seconds(Duration.between(start, Instant.now())) + ")");
            line.detail(facts.observation());
        } catch (Unexpected e) {
            steps.add(new Step(number, title, false, e.getMessage(), null));
            line.end(" FAILED");
            line.detail(e.getMessage());
        }
    }

    private StepFacts ordinaryBatch() throws Exception {
        List<DemoClient.Answer> answers = load.batch("user", settings.batch(), 0, null);
        Map<String, Integer> states = OrderLoad.tally(answers);
        if (states.getOrDefault("CONFIRMED", 0) != settings.batch()) {
            throw new Unexpected("every order should be CONFIRMED, the answers were " + states);
        }
        int branches = 0;
        for (DemoClient.Answer answer : answers) {
            branches += demo.databases.orders().queryForObject("SELECT COUNT(*) FROM tcc_branch WHERE xid = ?"
                    + " AND participant = 'local' AND action = 'create-order' AND state = 'CONFIRMED'", Integer.class,
                    answer.text("xid"));
        }
        if (branches != settings.batch()) {
            throw new Unexpected("every order's self-invoked @Try create-order should be a CONFIRMED branch of its"
                    + " transaction; " + branches + " of " + settings.batch() + " are: is the order service woven?");
        }
        return new StepFacts.OrdinaryBatch(states, branches);
    }

    private StepFacts tooLittleStock() throws Exception {
        String sku = "VASE-4";
        int available = demo.client.stock(sku).get("available").asInt();
        DemoClient.Answer answer = StepChecks.expectState(demo.client.placeOrder("user-6", sku, available + 1), "CANCELLED");
        JsonNode after = demo.client.stock(sku);
        if (after.get("available").asInt() != available || after.get("frozen").asInt() != 0) {
            throw new Unexpected(sku + " should be untouched at " + available + " available, it is " + after);
        }
        return new StepFacts.TooLittleStock(sku, available, available + 1, answer.text("state"), answer.text("reason"),
                after.get("available").asInt(), after.get("frozen").asInt(),
                checks.expectFence(answer, "CANCELLED (empty rollback)"));
    }

    private StepFacts tryRequestLost() throws Exception {
        demo.client.arm("TRY", "REQUEST_LOST", 1, 0);
        DemoClient.Answer answer = StepChecks.expectState(load.one("user-7"), "CANCELLED");
        String freeze = checks.expectFreeze(answer, null);
        return new StepFacts.TryRequestLost(answer.text("state"), checks.expectFence(answer, "CANCELLED (empty rollback)"),
                freeze);
    }

    private StepFacts confirmResponseLost() throws Exception {
        long duplicates = duplicateConfirms();
        demo.client.arm("CONFIRM", "RESPONSE_LOST", 1, 0);
        DemoClient.Answer answer = StepChecks.expectState(load.one("user-8"), "CONFIRMED");
        String freeze = checks.expectFreeze(answer, "SOLD");
        long counted = duplicateConfirms() - duplicates;
        if (counted != 1) {
            throw new Unexpected("the retried confirm should be one duplicate at the inventory, it counted " + counted);
        }
        return new StepFacts.ConfirmResponseLost(answer.text("state"), counted, checks.expectFence(answer, "CONFIRMED"), freeze);
    }

    private long duplicateConfirms() throws Exception {
        return demo.client.inventoryFence().get("duplicates").get("CONFIRM").asLong();
    }

    private StepFacts tryAfterItsCancel() throws Exception {
        long refused = suspensionsRefused();
        demo.client.arm("TRY", "DELAYED", 1, 3_000);
        DemoClient.Answer answer = StepChecks.expectState(load.one("user-9"), "CANCELLED");
        StepChecks.await("the late try refused", Duration.ofSeconds(20), () -> suspensionsRefused() > refused,
                () -> "the late try should have been refused within 20 s; the inventory's fence holds "
                        + checks.fence(answer.text("xid")) + " for it (a try that ran before its cancel is correct too,"
                        + " but is not what this step shows)");
        String freeze = checks.expectFreeze(answer, null);
        return new StepFacts.TryAfterItsCancel(answer.text("state"), suspensionsRefused() - refused,
                checks.expectFence(answer, "CANCELLED (empty rollback)"), freeze);
    }

    private long suspensionsRefused() throws Exception {
        return demo.client.inventoryFence().get("suspensionsRefused").asLong();
    }

    private StepFacts inventoryKilledMidBatch() throws Exception {
        long[] pid = new long[1];
        int killAfter = settings.killBatch() / 3;
        List<DemoClient.Answer> answers = load.batch("buyer", settings.killBatch(), killAfter, () -> {
            pid[0] = demo.inventory.pid();
            demo.killInventory();
        });
        Map<String, Integer> states = OrderLoad.tally(answers);
        if (states.keySet().stream().anyMatch(state -> state.startsWith("HTTP"))) {
            throw new Unexpected("every order should be answered CONFIRMED or CANCELLED, the answers were " + states);
        }
        int unfinished = checks.unfinished();
        Demo.restart(demo.inventory);
        Duration took = checks.awaitAllFinished(settings.recoveryTimeout());
        return new StepFacts.InventoryKilled(pid[0], killAfter, settings.killBatch(), states, unfinished, took);
    }

    private StepFacts orderKilledAfterDecision() throws Exception {
        demo.client.arm("CONFIRM", "REQUEST_LOST", 0, 0); // every confirm the process sends is lost, until it dies
        ExecutorService background = Executors.newSingleThreadExecutor();
        try {
            Future<DemoClient.Answer> placing = background.submit(() -> demo.client.placeOrder("user-crash", "BOOK-1", 2));
            JdbcTemplate orders = demo.databases.orders();
            String[] decided = new String[2]; // the order's id and xid, once its transaction is decided
            StepChecks.await("the order's transaction CONFIRMING", Duration.ofSeconds(30), () -> {
                orders.query("SELECT o.id, o.xid FROM orders o JOIN tcc_global g ON g.xid = o.xid"
                        + " WHERE o.user_id = 'user-crash' AND g.state = 'CONFIRMING'", rs -> {
                            decided[0] = rs.getString(1);
                            decided[1] = rs.getString(2);
                        });
                return decided[0] != null;
            }, () -> "the order's transaction did not reach CONFIRMING within 30 s");
            String id = decided[0];
            String xid = decided[1];
            String frozen = checks.freeze(id);
            if (!"FROZEN".equals(frozen)) {
                throw new Unexpected("phase two should not have reached the inventory yet, but order " + id
                        + "'s freeze row is " + frozen);
            }
            long pid = demo.order.pid();
            demo.order.kill();
            try {
                placing.get(1, TimeUnit.MINUTES);
            } catch (ExecutionException cutOff) {
                // expected: the process died before it answered
            }
            Demo.restart(demo.order);
            Instant restarted = Instant.now();
            String state = "SELECT state FROM tcc_global WHERE xid = ?";
            StepChecks.await("recovery to confirm " + xid, settings.recoveryTimeout(),
                    () -> "CONFIRMED".equals(orders.queryForObject(state, String.class, xid)),
                    () -> "recovery did not confirm " + xid + " within " + seconds(settings.recoveryTimeout()));
            Duration took = Duration.between(restarted, Instant.now());
            String sold = checks.freeze(id);
            if (!"SOLD".equals(sold)) {
                throw new Unexpected("order " + id + " should have sold its stock once, its freeze row is " + sold);
            }
            return new StepFacts.OrderKilled(pid, xid, "CONFIRMING", frozen,
                    orders.queryForObject(state, String.class, xid), sold, took);
        } finally {
            background.shutdownNow();
        }
    }

    static String seconds(Duration duration) {
        return String.format("%.1f s", duration.toMillis() / 1000.0);
    }
}
