package io.tcc.demo.chaos;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.stream.Collectors;

import org.springframework.jdbc.core.JdbcTemplate;

import io.tcc.demo.Demo;
import io.tcc.demo.DemoDatabases;
import io.tcc.demo.Report;

/**
 * A chaos run's report: what the harness did and counted, then what the two databases hold once recovery reached
 * quiescence, checked. The demo's {@link Report} checks the invariant per SKU and each order against its stock; this
 * adds that every fence row agrees with its order and its stock, that every answer the client got agrees with the
 * database, and that no call placed two orders.
 */
public final class ChaosReport {

    private record Order(String id, String user, String state, String xid) {
    }

    private final List<String> lines = new ArrayList<>();
    private final List<String> violations = new ArrayList<>();
    private final Map<String, Long> ordersByState = new TreeMap<>();
    private final ChaosTally tally;
    private Report invariant;

    private ChaosReport(ChaosTally tally) {
        this.tally = tally;
    }

    /** The user of the i-th order: one per order, so the database tells which call placed which order. */
    static String user(int i) {
        return "chaos-" + i;
    }

    /**
     * @param topology what ran
     * @param facts    lines ({@link #line}) the topology adds once the run is over (the balancer's counts, Galera's state)
     */
    static ChaosReport read(Demo demo, Map<String, Integer> stock, Chaos.Settings settings, ChaosTally tally,
                            Duration quiescence, Instant start, String topology, List<String> facts)
            throws IOException, InterruptedException {
        ChaosReport report = new ChaosReport(tally);
        report.describe(settings, start, topology);
        report.lines.addAll(facts);
        report.invariant = Report.read(demo.databases, stock, demo.refusedTries());
        report.check(demo.databases, quiescence, settings.quiescenceTimeout());
        return report;
    }

    /** What the harness did and what the client saw. */
    ChaosTally tally() {
        return tally;
    }

    long ordersIn(String state) {
        return ordersByState.getOrDefault(state, 0L);
    }

    public List<String> violations() {
        List<String> all = new ArrayList<>(invariant.violations());
        all.addAll(violations);
        return all;
    }

    public void print(PrintStream out) {
        out.println();
        lines.forEach(line -> out.println(line.startsWith("Chaos run") ? line : "  " + line));
        invariant.print(out);
        violations.forEach(violation -> out.println("  VIOLATION: " + violation));
        out.println();
        out.println("violations: " + violations().size());
    }

    private void describe(Chaos.Settings settings, Instant start, String topology) {
        Runtime runtime = Runtime.getRuntime();
        lines.add(String.format("Chaos run: seed %d, %d orders (%.0f%% with async phase two) from %d client threads,"
                + " started %s, %s until the checks", settings.seed(), settings.orders(), settings.asyncShare() * 100,
                settings.threads(), start.truncatedTo(ChronoUnit.SECONDS),
                Chaos.seconds(Duration.between(start, Instant.now()))));
        lines.add(String.format("%-24s %d cores, %s %s, Java %s%s", "machine", runtime.availableProcessors(),
                System.getProperty("os.name"), System.getProperty("os.arch"), System.getProperty("java.version"), load()));
        lines.add(String.format("%-24s %s", "topology", topology));
        Map<String, Long> answers = new TreeMap<>();
        for (String answer : tally.answers) {
            answers.merge(Objects.requireNonNullElse(answer, "never sent"), 1L, Long::sum);
        }
        lines.add(String.format("%-24s %s; %d tries refused for stock%s", "client answers", join(answers), tally.refusedForStock,
                tally.noInstance == 0 ? "" : "; " + tally.noInstance + " times the balancer had no instance up (HTTP 503,"
                        + " nothing sent) and the call went again 200 ms later"));
        Map<String, List<Integer>> failedAt = new TreeMap<>();
        for (int i = 0; i < tally.answers.length; i++) {
            String answer = tally.answers[i];
            if (answer != null && !List.of("CONFIRMED", "CANCELLED", "PENDING").contains(answer)) {
                failedAt.computeIfAbsent(answer, a -> new ArrayList<>()).add(i);
            }
        }
        failedAt.forEach((answer, at) -> lines.add(line(lines.get(lines.size() - 1).startsWith("client answers")
                ? "answers without a state" : "", answer + ": orders " + ranges(at))));
        long total = 0;
        List<String> byPhase = new ArrayList<>();
        for (String phase : ChaosPlan.PHASES) {
            Map<String, Long> kinds = tally.faults.getOrDefault(phase, Map.of());
            total += kinds.values().stream().mapToLong(Long::longValue).sum();
            byPhase.add(phase + ": " + join(kinds));
        }
        lines.add(String.format("%-24s %d on the remote branch, armed at %.0f %% of its calls (counts read before each kill"
                + " of the order service and at the end)", "faults injected", total, ChaosPlan.FAULT_RATE * 100));
        byPhase.forEach(phase -> lines.add(String.format("%-24s   %s", "", phase)));
        lines.add(String.format("%-24s %d freezes (%s frozen in all), %d cuts (%d connections closed)", "TCP faults (proxy)",
                tally.freezes, Chaos.seconds(Duration.ofMillis(tally.frozenMillis)), tally.cuts, tally.connectionsCut));
        lines.add(String.format("%-24s %s", "kills (SIGKILL)", tally.kills.isEmpty() ? "none" : tally.kills.entrySet().stream()
                .map(e -> e.getKey() + " " + e.getValue().size()).collect(Collectors.joining(", "))));
        tally.kills.values().forEach(kills -> kills.forEach(kill -> lines.add(String.format("%-24s   %s", "", kill))));
    }

    /** "3, 7-12, 40" for the ascending numbers given: where in the load the calls without an answer were. */
    private static String ranges(List<Integer> numbers) {
        List<String> ranges = new ArrayList<>();
        for (int i = 0; i < numbers.size(); i++) {
            int first = numbers.get(i);
            while (i + 1 < numbers.size() && numbers.get(i + 1) == numbers.get(i) + 1) {
                i++;
            }
            ranges.add(first == numbers.get(i) ? String.valueOf(first) : first + "-" + numbers.get(i));
        }
        return ranges.size() <= 12 ? String.join(", ", ranges)
                : String.join(", ", ranges.subList(0, 12)) + " and " + (ranges.size() - 12) + " more ranges";
    }

    /** One line of the report: a label, then what it says. */
    static String line(String label, String text) {
        return String.format("%-24s %s", label, text);
    }

    /** The machine's load averages (1, 5, 15 min) as the checks begin, where Linux tells them. */
    private static String load() {
        try {
            String[] averages = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return ", load average " + averages[0] + " " + averages[1] + " " + averages[2];
        } catch (IOException | RuntimeException notLinux) {
            return "";
        }
    }

    private void check(DemoDatabases databases, Duration quiescence, Duration timeout) {
        JdbcTemplate orderDb = databases.orders();
        JdbcTemplate inventoryDb = databases.inventory();
        if (quiescence == null) {
            violations.add("recovery did not reach quiescence within " + Chaos.seconds(timeout));
        }
        lines.add(String.format("%-24s %s", "time to quiescence", quiescence == null ? "not reached" : Chaos.seconds(quiescence)
                + " after the load (faults disarmed, every service up)"));
        orderDb.query("SELECT COALESCE(SUM(attempts), 0), COALESCE(SUM(attempts > 0), 0), COALESCE(SUM(needs_operator), 0)"
                + " FROM tcc_global", rs -> {
                    lines.add(String.format("%-24s %d (phase two left to recovery and retried, over %d transactions); %d"
                            + " flagged for an operator", "recovery attempts", rs.getLong(1), rs.getLong(2), rs.getLong(3)));
                });
        orderDb.query("SELECT xid, state, operator_reason FROM tcc_global WHERE needs_operator", rs -> {
            lines.add(String.format("%-24s %s %s: %s", "flagged", rs.getString(1), rs.getString(2), rs.getString(3)));
        });

        Map<String, String> inventoryFence = fence(inventoryDb);
        Map<String, String> orderFence = fence(orderDb);
        Map<String, String> freezes = new HashMap<>();
        inventoryDb.query("SELECT order_id, state FROM stock_freeze", rs -> {
            freezes.put(rs.getString(1), rs.getString(2));
        });
        List<Order> orders = orderDb.query("SELECT id, user_id, state, xid FROM orders",
                (rs, n) -> new Order(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4)));
        Map<String, Long> unanswered = new TreeMap<>();
        Map<String, Integer> perCall = new HashMap<>();
        for (Order order : orders) {
            ordersByState.merge(order.state(), 1L, Long::sum);
            String where = "order " + order.id() + " (" + order.xid() + ")";
            String inventory = inventoryFence.remove(order.xid());
            String own = orderFence.remove(order.xid());
            if (!order.state().equals("PENDING")) { // a PENDING order is a violation of the invariant report already
                agree(where + ": the inventory's fence", inventory, order.state().equals("CONFIRMED") ? "CONFIRMED" : null);
                agree(where + ": the order service's fence", own, order.state());
            }
            agree(where + ": its stock_freeze row", Objects.requireNonNullElse(freezes.get(order.id()), "none"),
                    freezeFor(inventory));
            if (perCall.merge(order.user(), 1, Integer::sum) > 1) {
                violations.add("call " + order.user() + " placed more than one order");
            }
            String answer = tally.answers[Integer.parseInt(order.user().substring(order.user().indexOf('-') + 1))];
            if ("CONFIRMED".equals(answer) || "CANCELLED".equals(answer)) {
                if (!answer.equals(order.state())) {
                    violations.add(where + " was answered " + answer + " but is " + order.state());
                }
            } else if (!"PENDING".equals(answer)) {
                unanswered.merge(order.state(), 1L, Long::sum);
            }
        }
        lines.add(String.format("%-24s %s", "cut-off calls' orders", unanswered.isEmpty() ? "none"
                : join(unanswered) + " (placed before the order service died under the call; recovery finished them)"));
        inventoryFence.forEach((xid, state) -> agree("inventory fence row " + xid + " without an order", state, "CANCELLED empty"));
        orderFence.forEach((xid, state) -> agree("order fence row " + xid + " without an order", state, "CANCELLED empty"));
        lines.add(String.format("%-24s every fence row agrees with its order and its stock_freeze row, every answer with its"
                + " order, one order per call: %s", "across the databases", violations.isEmpty() ? "PASS" : "FAIL"));
    }

    /**
     * A CANCELLED order's inventory branch may be cancelled empty or after its try: expected null accepts either.
     */
    private void agree(String what, String found, String expected) {
        boolean ok = expected == null ? found == null || found.startsWith("CANCELLED") : expected.equals(found);
        if (!ok) {
            violations.add(what + " is " + found + ", expected " + (expected == null ? "CANCELLED or none" : expected));
        }
    }

    /** The stock_freeze row a fence row implies: a try that committed froze, its confirm sold, its cancel released. */
    private static String freezeFor(String fence) {
        if (fence == null || fence.equals("CANCELLED empty")) {
            return "none";
        }
        return switch (fence) {
            case "TRIED" -> "FROZEN";
            case "CONFIRMED" -> "SOLD";
            default -> "RELEASED";
        };
    }

    /** Per xid: the fence row's state, "CANCELLED empty" for an empty rollback (one branch per xid in each service). */
    private static Map<String, String> fence(JdbcTemplate jdbc) {
        Map<String, String> rows = new HashMap<>();
        jdbc.query("SELECT xid, state, empty_cancel FROM tcc_fence", rs -> {
            if (rows.put(rs.getString(1), rs.getString(2) + (rs.getBoolean(3) ? " empty" : "")) != null) {
                throw new IllegalStateException("two fence rows for " + rs.getString(1) + " in one service");
            }
        });
        return rows;
    }

    private static String join(Map<String, Long> counts) {
        return counts.isEmpty() ? "none" : counts.entrySet().stream().map(e -> e.getKey() + " " + e.getValue())
                .collect(Collectors.joining(", "));
    }
}
