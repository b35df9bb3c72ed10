package io.tcc.demo;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.springframework.jdbc.core.JdbcTemplate;

import tools.jackson.databind.JsonNode;

/**
 * The demo's script, played over real HTTP against the two service JVMs: each step causes one kind of trouble and
 * checks, in the databases and through the services' endpoints, what the guarantee promises. A step that does not see
 * it is failed; anything else that goes wrong stops the play.
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

    /** One step's result: what was seen, and whether it is what the guarantee promises. */
    record Step(int number, String title, boolean ok, String observation) {
    }

    /** What a step saw differs from what the guarantee promises. */
    static final class Unexpected extends Exception {
        Unexpected(String message) {
            super(message);
        }
    }

    @FunctionalInterface
    private interface Body {
        String play() throws Exception;
    }

    private record OrderCall(String user, String sku, int quantity) {
    }

    static final int STEPS = 7;
    private static final List<String> SKUS = List.of("BOOK-1", "MUG-2", "LAMP-3");

    private final Demo demo;
    private final Settings settings;
    private final PrintStream out;
    private final boolean live = System.console() != null;
    private final Random random = new Random(42);
    private final List<Step> steps = new ArrayList<>();
    private volatile String head = "";

    Scenario(Demo demo, Settings settings, PrintStream out) {
        this.demo = demo;
        this.settings = settings;
        this.out = out;
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
        String waiting = "waiting until recovery has finished every transaction ...";
        begin(waiting);
        Duration took = awaitAllFinished();
        end(waiting, " done (" + seconds(took) + ")");
        return steps;
    }

    private void step(int number, String title, Body body) throws Exception {
        head = "[" + number + "/" + STEPS + "] " + title + " ...";
        begin(head);
        Instant start = Instant.now();
        try {
            String observation = body.play();
            steps.add(new Step(number, title, true, observation));
            end(head, " ok (" + seconds(Duration.between(start, Instant.now())) + ")");
            out.println("      " + observation);
        } catch (Unexpected e) {
            steps.add(new Step(number, title, false, e.getMessage()));
            end(head, " FAILED");
            out.println("      " + e.getMessage());
        }
    }

    private String ordinaryBatch() throws Exception {
        List<DemoClient.Answer> answers = batch(calls("user", settings.batch()), 0, null);
        Map<String, Integer> states = tally(answers);
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
        return states + "; " + branches + " of them ran their order's private, self-invoked @Try as a branch of"
                + " the transaction (woven by AspectJ: a proxy never sees such a call)";
    }

    private String tooLittleStock() throws Exception {
        int available = demo.client.stock("VASE-4").get("available").asInt();
        DemoClient.Answer answer = expectState(demo.client.placeOrder("user-6", "VASE-4", available + 1), "CANCELLED");
        JsonNode after = demo.client.stock("VASE-4");
        if (after.get("available").asInt() != available || after.get("frozen").asInt() != 0) {
            throw new Unexpected("VASE-4 should be untouched at " + available + " available, it is " + after);
        }
        return "CANCELLED (" + answer.text("reason") + "); VASE-4 still has " + available + " available; the cancel"
                + " found no try: fence row " + expectFence(answer, "CANCELLED (empty rollback)");
    }

    private String tryRequestLost() throws Exception {
        demo.client.arm("TRY", "REQUEST_LOST", 1, 0);
        DemoClient.Answer answer = expectState(order("user-7"), "CANCELLED");
        expectFreeze(answer, null);
        return "no answer within the 1 s call timeout: outcome unknown, so CANCELLED; the try never arrived: fence row "
                + expectFence(answer, "CANCELLED (empty rollback)") + ", nothing frozen";
    }

    private String confirmResponseLost() throws Exception {
        long duplicates = demo.client.inventoryFence().get("duplicates").get("CONFIRM").asLong();
        demo.client.arm("CONFIRM", "RESPONSE_LOST", 1, 0);
        DemoClient.Answer answer = expectState(order("user-8"), "CONFIRMED");
        expectFreeze(answer, "SOLD");
        long now = demo.client.inventoryFence().get("duplicates").get("CONFIRM").asLong();
        if (now != duplicates + 1) {
            throw new Unexpected("the retried confirm should be one duplicate at the inventory, it counted " + (now - duplicates));
        }
        return "CONFIRMED; the inventory confirmed, its answer was lost, the retried confirm was a duplicate (fence row "
                + expectFence(answer, "CONFIRMED") + ", nothing ran twice): sold once";
    }

    private String tryAfterItsCancel() throws Exception {
        long refused = demo.client.inventoryFence().get("suspensionsRefused").asLong();
        demo.client.arm("TRY", "DELAYED", 1, 3_000);
        DemoClient.Answer answer = expectState(order("user-9"), "CANCELLED");
        if (!await(Duration.ofSeconds(20), () -> demo.client.inventoryFence().get("suspensionsRefused").asLong() > refused)) {
            throw new Unexpected("the late try should have been refused within 20 s; the inventory's fence holds "
                    + fence(answer.text("xid")) + " for it (a try that ran before its cancel is correct too, but is"
                    + " not what this step shows)");
        }
        expectFreeze(answer, null);
        return "CANCELLED after the 1 s call timeout; its cancel came first (fence row " + expectFence(answer,
                "CANCELLED (empty rollback)") + "); the try, delivered 3 s late, was refused: 409 REJECTED SUSPENDED, nothing frozen";
    }

    private String inventoryKilledMidBatch() throws Exception {
        long[] pid = new long[1];
        int killAfter = settings.killBatch() / 3;
        List<DemoClient.Answer> answers = batch(calls("buyer", settings.killBatch()), killAfter,
                () -> {
                    pid[0] = demo.inventory.pid();
                    demo.killInventory();
                });
        Map<String, Integer> states = tally(answers);
        if (states.keySet().stream().anyMatch(state -> state.startsWith("HTTP"))) {
            throw new Unexpected("every order should be answered CONFIRMED or CANCELLED, the answers were " + states);
        }
        int unfinished = unfinished();
        Demo.restart(demo.inventory);
        Duration took = awaitAllFinished();
        return "SIGKILL to pid " + pid[0] + " after " + killAfter + " answers; the " + settings.killBatch() + " answers: "
                + states + "; " + unfinished + " transactions were left unfinished, and recovery finished them "
                + seconds(took) + " after the restart";
    }

    private String orderKilledAfterDecision() throws Exception {
        demo.client.arm("CONFIRM", "REQUEST_LOST", 0, 0); // every confirm the process sends is lost, until it dies
        ExecutorService background = Executors.newSingleThreadExecutor();
        try {
            Future<DemoClient.Answer> placing = background.submit(() -> demo.client.placeOrder("user-crash", "BOOK-1", 2));
            JdbcTemplate orders = demo.databases.orders();
            String[] decided = new String[2]; // the order's id and xid, once its transaction is decided
            if (!await(Duration.ofSeconds(30), () -> {
                orders.query("SELECT o.id, o.xid FROM orders o JOIN tcc_global g ON g.xid = o.xid"
                        + " WHERE o.user_id = 'user-crash' AND g.state = 'CONFIRMING'", rs -> {
                            decided[0] = rs.getString(1);
                            decided[1] = rs.getString(2);
                        });
                return decided[0] != null;
            })) {
                throw new Unexpected("the order's transaction did not reach CONFIRMING within 30 s");
            }
            String id = decided[0];
            String xid = decided[1];
            if (!"FROZEN".equals(freeze(id))) {
                throw new Unexpected("phase two should not have reached the inventory yet, but order " + id
                        + "'s freeze row is " + freeze(id));
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
            if (!await(settings.recoveryTimeout(), () -> "CONFIRMED".equals(
                    orders.queryForObject("SELECT state FROM tcc_global WHERE xid = ?", String.class, xid)))) {
                throw new Unexpected("recovery did not confirm " + xid + " within " + seconds(settings.recoveryTimeout()));
            }
            Duration took = Duration.between(restarted, Instant.now());
            if (!"SOLD".equals(freeze(id))) {
                throw new Unexpected("order " + id + " should have sold its stock once, its freeze row is " + freeze(id));
            }
            return "SIGKILL to pid " + pid + " with " + xid + " decided CONFIRMING and its stock still FROZEN"
                    + "; the restarted service's recovery confirmed it " + seconds(took) + " after the restart: SOLD once";
        } finally {
            background.shutdownNow();
        }
    }

    /** Places the orders from {@code concurrency} threads; after {@code actAfter} answers it runs {@code act} once. */
    private List<DemoClient.Answer> batch(List<OrderCall> calls, int actAfter, Act act) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(settings.concurrency());
        try {
            AtomicInteger answered = new AtomicInteger();
            CountDownLatch enough = new CountDownLatch(actAfter);
            List<Future<DemoClient.Answer>> futures = new ArrayList<>();
            for (OrderCall call : calls) {
                futures.add(pool.submit(() -> {
                    DemoClient.Answer answer = demo.client.placeOrder(call.user(), call.sku(), call.quantity());
                    enough.countDown();
                    progress(head + " " + answered.incrementAndGet() + "/" + calls.size());
                    return answer;
                }));
            }
            if (act != null) {
                if (!enough.await(2, TimeUnit.MINUTES)) {
                    throw new IllegalStateException("fewer than " + actAfter + " orders were answered within 2 minutes");
                }
                act.run();
            }
            List<DemoClient.Answer> answers = new ArrayList<>();
            for (Future<DemoClient.Answer> future : futures) {
                answers.add(future.get(2, TimeUnit.MINUTES));
            }
            return answers;
        } finally {
            pool.shutdownNow();
        }
    }

    @FunctionalInterface
    private interface Act {
        void run() throws Exception;
    }

    private List<OrderCall> calls(String userPrefix, int count) {
        List<OrderCall> calls = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            calls.add(new OrderCall(userPrefix + "-" + (1 + i % 5), SKUS.get(random.nextInt(SKUS.size())), 1 + random.nextInt(3)));
        }
        return calls;
    }

    private DemoClient.Answer order(String user) throws IOException, InterruptedException {
        return demo.client.placeOrder(user, SKUS.get(random.nextInt(SKUS.size())), 1 + random.nextInt(3));
    }

    private static Map<String, Integer> tally(List<DemoClient.Answer> answers) {
        Map<String, Integer> states = new TreeMap<>();
        for (DemoClient.Answer answer : answers) {
            states.merge(answer.status() == 201 ? answer.text("state") : "HTTP " + answer.status(), 1, Integer::sum);
        }
        return states;
    }

    private static DemoClient.Answer expectState(DemoClient.Answer answer, String state) throws Unexpected {
        if (answer.status() != 201 || !state.equals(answer.text("state"))) {
            throw new Unexpected("the order should be answered 201 " + state + ", it was " + answer);
        }
        return answer;
    }

    /** The inventory's fence row for the order's transaction, checked against what the step expects. */
    private String expectFence(DemoClient.Answer answer, String expected) throws Unexpected {
        String found = fence(answer.text("xid"));
        if (!found.equals(expected)) {
            throw new Unexpected("the inventory's fence should hold " + expected + " for " + answer.text("xid") + ", it holds " + found);
        }
        return found;
    }

    private String fence(String xid) {
        List<String> rows = demo.databases.inventory().query("SELECT state, empty_cancel FROM tcc_fence WHERE xid = ?",
                (rs, n) -> rs.getString(1) + (rs.getBoolean(2) ? " (empty rollback)" : ""), xid);
        return rows.isEmpty() ? "no row" : String.join(", ", rows);
    }

    private void expectFreeze(DemoClient.Answer answer, String state) throws Unexpected {
        String found = freeze(answer.text("id"));
        if (state == null ? found != null : !state.equals(found)) {
            throw new Unexpected("order " + answer.text("id") + " should have " + (state == null ? "no freeze row" : "its freeze row "
                    + state) + ", found " + found);
        }
    }

    private String freeze(String orderId) {
        List<String> rows = demo.databases.inventory().queryForList("SELECT state FROM stock_freeze WHERE order_id = ?",
                String.class, orderId);
        return rows.isEmpty() ? null : rows.get(0);
    }

    private int unfinished() {
        return demo.databases.orders().queryForObject(
                "SELECT COUNT(*) FROM tcc_global WHERE state NOT IN ('CONFIRMED', 'CANCELLED')", Integer.class);
    }

    /** Until no transaction is unfinished and no order PENDING, or the deadline, which fails the play. */
    private Duration awaitAllFinished() throws Exception {
        Instant start = Instant.now();
        JdbcTemplate orders = demo.databases.orders();
        if (!await(settings.recoveryTimeout(), () -> unfinished() == 0
                && orders.queryForObject("SELECT COUNT(*) FROM orders WHERE state = 'PENDING'", Integer.class) == 0)) {
            throw new IllegalStateException("recovery did not finish within " + seconds(settings.recoveryTimeout())
                    + "; unfinished: " + orders.queryForList("SELECT CONCAT(xid, ' ', state, IF(needs_operator,"
                    + " ' (flagged)', '')) FROM tcc_global WHERE state NOT IN ('CONFIRMED', 'CANCELLED')", String.class)
                    + "; see " + demo.order.log());
        }
        return Duration.between(start, Instant.now());
    }

    @FunctionalInterface
    private interface Condition {
        boolean holds() throws Exception;
    }

    /** Polls the condition until it holds (true) or the timeout passes (false). */
    private static boolean await(Duration timeout, Condition condition) throws Exception {
        Instant deadline = Instant.now().plus(timeout);
        while (!condition.holds()) {
            if (Instant.now().isAfter(deadline)) {
                return false;
            }
            Thread.sleep(100);
        }
        return true;
    }

    /** The progress line: on a terminal rewritten in place as a batch advances, elsewhere printed once. */
    private void begin(String head) {
        if (live) {
            progress(head);
        } else {
            out.print(head);
            out.flush();
        }
    }

    private synchronized void progress(String line) {
        if (live) {
            out.print("\r" + line + "\u001b[K");
            out.flush();
        }
    }

    private synchronized void end(String head, String result) {
        out.println(live ? "\r" + head + result + "\u001b[K" : result);
    }

    static String seconds(Duration duration) {
        return String.format("%.1f s", duration.toMillis() / 1000.0);
    }
}
