package io.tcc.demo.chaos;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import io.tcc.demo.DemoDbServer;
import io.tcc.demo.Demo;
import io.tcc.demo.Teardown;
import io.tcc.test.GaleraCluster;

/**
 * The full chaos run: {@code mvn -q -Pchaos -DskipTests package -Dchaos.orders=10000 [-Dchaos.seed=...]} at the
 * repository root. Prints the seed first, then the report; exits 1 on any violation or if the run cannot finish. Both
 * services, the proxy and the embedded database are stopped whatever happens, Ctrl-C included.
 *
 * <p>System properties: {@code chaos.orders} (default 10000), {@code chaos.seed} (default: a new one),
 * {@code chaos.phaseTwo} ({@code sync}, the default; {@code async}; or the share of orders placed async, e.g. 0.5),
 * {@code demo.orderJar}, {@code demo.inventoryJar}, {@code demo.workDir}, and optionally {@code demo.jdbcUrl}: a MySQL
 * or MariaDB server to use instead of an embedded one, where the databases {@code tcc_chaos_order} and
 * {@code tcc_chaos_inventory} are dropped and created.
 *
 * <p>{@code chaos.topology=scaled} runs it on two instances of each service behind HAProxy with a recovery daemon
 * ({@code demo.daemonJar}), on a 3-node Galera cluster it starts ({@code chaos.database=galera}, the default there) or
 * on the one server as above ({@code chaos.database=server}); {@code chaos.kills} sets the kills per service (there at
 * least 3).
 */
public final class ChaosRun {

    /** What the run opened, closed in reverse order once: at the end, or by the shutdown hook on Ctrl-C. */
    private static final Deque<AutoCloseable> OPENED = new ArrayDeque<>();

    private ChaosRun() {
    }

    public static void main(String[] args) {
        Runtime.getRuntime().addShutdownHook(new Thread(ChaosRun::closeAll, "chaos-cleanup"));
        boolean pass = false;
        try {
            pass = run(System.out);
        } catch (Exception e) {
            System.out.println("FAIL: the chaos run could not finish: " + e);
            e.printStackTrace(System.out);
        } finally {
            closeAll();
        }
        System.exit(pass ? 0 : 1);
    }

    private static boolean run(PrintStream out) throws Exception {
        long seed = Long.getLong("chaos.seed", ThreadLocalRandom.current().nextLong(1L << 48));
        String phaseTwo = System.getProperty("chaos.phaseTwo", "sync");
        boolean scaled = switch (System.getProperty("chaos.topology", "single")) {
            case "single" -> false;
            case "scaled" -> true;
            default -> throw new IllegalArgumentException("chaos.topology is single or scaled, was '"
                    + System.getProperty("chaos.topology") + "'");
        };
        Chaos.Settings settings = Chaos.Settings.of(Integer.getInteger("chaos.orders", 10_000), seed)
                .withAsyncShare(asyncShare(phaseTwo));
        settings = settings.withKillsEach(Integer.getInteger("chaos.kills", scaled
                ? Math.max(3, settings.orders() / 700) : settings.killsEach()));
        String database = System.getProperty("chaos.database", scaled ? "galera" : "server");
        out.println("chaos: seed " + seed + " (replay: -Dchaos.seed=" + seed + " -Dchaos.orders=" + settings.orders()
                + " -Dchaos.phaseTwo=" + phaseTwo + (scaled ? " -Dchaos.topology=scaled -Dchaos.database=" + database
                + " -Dchaos.kills=" + settings.killsEach() : "") + ")");
        Path work = Path.of(System.getProperty("demo.workDir", "target")).toAbsolutePath();
        Path orderJar = Path.of(System.getProperty("demo.orderJar"));
        Path inventoryJar = Path.of(System.getProperty("demo.inventoryJar"));
        Chaos chaos;
        if (scaled && database.equals("galera")) {
            GaleraCluster.notRunReason().ifPresent(reason -> {
                throw new IllegalStateException("the scaled chaos run on Galera cannot run: " + reason);
            });
            out.println("chaos: starting a 3-node Galera cluster ...");
            GaleraCluster galera = GaleraCluster.get();
            List<String> nodes = new ArrayList<>();
            for (int n = 0; n < galera.size(); n++) {
                nodes.add(galera.clientUrl(n));
            }
            chaos = Chaos.scaled(config(nodes.get(0), work, orderJar, inventoryJar), settings,
                    new Topology.Scale(2, 2, nodes, galera, daemonJar()), out);
        } else {
            String jdbcUrl = System.getProperty("demo.jdbcUrl");
            out.println("chaos: " + (jdbcUrl == null || jdbcUrl.isBlank() ? "an embedded MariaDB, data in " + work.resolve("chaos-db")
                    : "the server at " + jdbcUrl + ": its databases tcc_chaos_order and tcc_chaos_inventory are dropped and created"));
            DemoDbServer server = opened(DemoDbServer.at(jdbcUrl, work.resolve("chaos-db").toFile()));
            Demo.Config config = config(server.url(), work, orderJar, inventoryJar);
            chaos = scaled ? Chaos.scaled(config, settings, new Topology.Scale(2, 2, List.of(server.url()), null, daemonJar()), out)
                    : Chaos.create(config, settings, out);
        }
        ChaosReport report = opened(chaos).run();
        report.print(out);
        return report.violations().isEmpty();
    }

    private static Demo.Config config(String serverUrl, Path work, Path orderJar, Path inventoryJar) {
        return new Demo.Config(serverUrl, "tcc_chaos_order", "tcc_chaos_inventory", false, orderJar, inventoryJar,
                work.resolve("chaos-logs"));
    }

    private static Path daemonJar() {
        return Path.of(Teardown.required("demo.daemonJar", "mvn -q -Pchaos -DskipTests package -Dchaos.topology=scaled"));
    }

    /** {@code chaos.phaseTwo}: sync (the default), async, or the share of async orders (0.5: every other one). */
    private static double asyncShare(String phaseTwo) {
        return switch (phaseTwo) {
            case "sync" -> 0;
            case "async" -> 1;
            default -> {
                try {
                    yield Double.parseDouble(phaseTwo);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("chaos.phaseTwo is sync, async or a share of async orders from 0"
                            + " to 1, was '" + phaseTwo + "'");
                }
            }
        };
    }

    private static synchronized <T extends AutoCloseable> T opened(T resource) {
        OPENED.push(resource);
        return resource;
    }

    private static synchronized void closeAll() {
        while (!OPENED.isEmpty()) {
            try {
                OPENED.pop().close();
            } catch (Exception e) {
                System.out.println("could not close: " + e);
            }
        }
    }
}
