package io.tcc.demo;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import io.tcc.test.Await;

/**
 * HAProxy (Debian's {@code haproxy}) in front of the instances of each service, on loopback ports: a process of its
 * own, started from a config this class writes, stopped on close. Round robin; an instance whose health check fails
 * twice is taken out, and back in after two that pass. A request whose connection is refused (a killed instance not
 * yet taken out) is sent to another instance; a request already sent is never sent again (a 502 to its caller).
 */
public final class Balancer implements AutoCloseable {

    static final Path HAPROXY = Path.of(System.getProperty("demo.haproxy", "/usr/sbin/haproxy"));

    /**
     * One service behind the balancer: its frontend port, its instances' ports, and the health check, a GET whose
     * answer must have {@code expectStatus}.
     */
    public record Frontend(String name, int port, List<Integer> servers, String checkPath, int expectStatus) {

        /** The inventory's instances, checked with a read of its stock. */
        public static Frontend inventory(int port, List<Integer> servers) {
            return new Frontend("inventory", port, servers, "/stock?limit=1", 200);
        }

        /** The order service's instances, checked with a read of its database that finds nothing (404). */
        public static Frontend order(int port, List<Integer> servers) {
            return new Frontend("order", port, servers, "/orders/00000000-0000-0000-0000-000000000000", 404);
        }
    }

    /** One instance as the balancer counts it: status (UP, DOWN), requests, retries, redispatches, 5xx, times taken out. */
    public record ServerStats(String service, String server, String status, long requests, long retries,
                              long redispatches, long errors5xx, long takenOut) {
    }

    private final Map<String, Frontend> frontends = new LinkedHashMap<>();
    private final int statsPort;
    private final Path log;
    private final Process process;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private Balancer(List<Frontend> frontends, int statsPort, Path log, Process process) {
        frontends.forEach(frontend -> this.frontends.put(frontend.name(), frontend));
        this.statsPort = statsPort;
        this.log = log;
        this.process = process;
    }

    /** Why the balancer cannot run here, or empty: HAProxy is not installed. */
    public static Optional<String> notRunReason() {
        return Files.isExecutable(HAPROXY) ? Optional.empty() : Optional.of("not run: HAProxy is not installed (missing "
                + HAPROXY + "): apt-get install haproxy");
    }

    /** Writes the config into {@code dir} and starts HAProxy; fails at once, with its output, if it does not start. */
    public static Balancer start(Path dir, List<Frontend> frontends) throws IOException {
        notRunReason().ifPresent(reason -> {
            throw new IllegalStateException("the scaled topology needs HAProxy: " + reason);
        });
        Files.createDirectories(dir);
        int statsPort = Demo.freePort();
        Path config = dir.resolve("haproxy.cfg");
        Files.writeString(config, config(frontends, statsPort), StandardCharsets.UTF_8);
        Path log = dir.resolve("haproxy.log");
        // -db: in the foreground, its alerts (an instance taken out or back) in its log
        Process process = new ProcessBuilder(HAPROXY.toString(), "-db", "-f", config.toString()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        Balancer balancer = new Balancer(frontends, statsPort, log, process);
        try {
            Await.until("HAProxy answering", Duration.ofSeconds(30), () -> !process.isAlive() || balancer.stats().size() > 0);
        } catch (AssertionError | RuntimeException e) {
            balancer.close();
            throw new IllegalStateException("HAProxy did not start; its config " + config + ", its log " + log + ":\n"
                    + Files.readString(log), e);
        }
        if (!process.isAlive()) {
            throw new IllegalStateException("HAProxy exited with " + process.exitValue() + "; its config " + config
                    + ", its log " + log + ":\n" + Files.readString(log));
        }
        return balancer;
    }

    private static String config(List<Frontend> frontends, int statsPort) {
        StringBuilder c = new StringBuilder("""
                global
                    maxconn 2000
                defaults
                    mode http
                    timeout connect 1s
                    timeout client 60s
                    timeout server 60s
                    timeout check 2s
                    # a refused connection is tried again on another instance; nothing already sent is sent again
                    retries 3
                    option redispatch
                frontend stats
                    bind 127.0.0.1:%d
                    stats enable
                    stats uri /stats
                """.formatted(statsPort));
        for (Frontend f : frontends) {
            c.append("frontend ").append(f.name()).append("\n    bind 127.0.0.1:").append(f.port())
                    .append("\n    default_backend ").append(f.name()).append("\n");
            c.append("backend ").append(f.name()).append("\n    balance roundrobin\n    option httpchk GET ")
                    .append(f.checkPath()).append("\n    http-check expect status ").append(f.expectStatus())
                    .append("\n    default-server check inter 1s fall 2 rise 2\n");
            for (int i = 0; i < f.servers().size(); i++) {
                c.append("    server ").append(f.name()).append("-").append(i + 1).append(" 127.0.0.1:")
                        .append(f.servers().get(i)).append("\n");
            }
        }
        return c.toString();
    }

    public String url(String frontend) {
        return "http://127.0.0.1:" + frontends.get(frontend).port();
    }

    public Path log() {
        return log;
    }

    /** HAProxy's process, whose CPU a benchmark counts. */
    public long pid() {
        return process.pid();
    }

    /** Waits until every instance of every service is in (its health checks passed). */
    public void awaitAllUp(Duration timeout) {
        Await.until("every instance behind HAProxy UP", timeout,
                () -> stats().stream().allMatch(server -> server.status().equals("UP")));
    }

    /** Every instance as HAProxy counts it (its CSV stats). */
    public List<ServerStats> stats() throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + statsPort
                + "/stats;csv")).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        String[] lines = response.body().split("\n");
        List<String> header = List.of(lines[0].replaceFirst("^# ", "").split(","));
        List<ServerStats> servers = new ArrayList<>();
        for (int l = 1; l < lines.length; l++) {
            String[] f = lines[l].split(",", -1);
            String name = f[1];
            if (frontends.containsKey(f[0]) && !name.equals("FRONTEND") && !name.equals("BACKEND")) {
                servers.add(new ServerStats(f[0], name, f[header.indexOf("status")], number(f, header, "stot"),
                        number(f, header, "wretr"), number(f, header, "wredis"), number(f, header, "hrsp_5xx"),
                        number(f, header, "chkdown")));
            }
        }
        return servers;
    }

    private static long number(String[] fields, List<String> header, String column) {
        String value = fields[header.indexOf(column)];
        return value.isEmpty() ? 0 : Long.parseLong(value);
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
