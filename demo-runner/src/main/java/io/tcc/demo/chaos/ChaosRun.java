package io.tcc.demo.chaos;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.ThreadLocalRandom;

import io.tcc.demo.DemoDbServer;
import io.tcc.demo.Demo;

/**
 * The full chaos run: {@code mvn -q -Pchaos -DskipTests package -Dchaos.orders=10000 [-Dchaos.seed=...]} at the
 * repository root. Prints the seed first, then the report; exits 1 on any violation or if the run cannot finish. Both
 * services, the proxy and the embedded database are stopped whatever happens, Ctrl-C included.
 *
 * <p>System properties: {@code chaos.orders} (default 10000), {@code chaos.seed} (default: a new one),
 * {@code demo.orderJar}, {@code demo.inventoryJar}, {@code demo.workDir}, and optionally {@code demo.jdbcUrl}: a MySQL
 * or MariaDB server to use instead of an embedded one, where the databases {@code tcc_chaos_order} and
 * {@code tcc_chaos_inventory} are dropped and created.
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
        Chaos.Settings settings = Chaos.Settings.of(Integer.getInteger("chaos.orders", 10_000), seed);
        out.println("chaos: seed " + seed + " (replay: -Dchaos.seed=" + seed + " -Dchaos.orders=" + settings.orders() + ")");
        Path work = Path.of(System.getProperty("demo.workDir", "target")).toAbsolutePath();
        String jdbcUrl = System.getProperty("demo.jdbcUrl");
        out.println("chaos: " + (jdbcUrl == null || jdbcUrl.isBlank() ? "an embedded MariaDB, data in " + work.resolve("chaos-db")
                : "the server at " + jdbcUrl + ": its databases tcc_chaos_order and tcc_chaos_inventory are dropped and created"));
        DemoDbServer server = opened(DemoDbServer.at(jdbcUrl, work.resolve("chaos-db").toFile()));
        Demo.Config config = new Demo.Config(server.url(), "tcc_chaos_order", "tcc_chaos_inventory", false,
                Path.of(System.getProperty("demo.orderJar")), Path.of(System.getProperty("demo.inventoryJar")),
                work.resolve("chaos-logs"));
        ChaosReport report = opened(Chaos.create(config, settings, out)).run();
        report.print(out);
        return report.violations().isEmpty();
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
