package io.tcc.bench;

import java.io.IOException;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.web.filter.OncePerRequestFilter;

import io.tcc.annotation.Cancel;
import io.tcc.annotation.Confirm;
import io.tcc.annotation.Try;
import io.tcc.http.RemoteParticipant;
import io.tcc.http.RemoteParticipants;
import io.tcc.participant.ArgumentCodec;
import io.tcc.participant.JavaSerializationCodec;
import io.tcc.test.DatabaseKind;
import io.tcc.test.TestDatabase;

/**
 * Recovery's throughput over HTTP: a global log holding N decided (CONFIRMING) transactions, each with one remote branch
 * still pending at a real participant served over HTTP on a loopback port (its fence rows TRIED, as a crashed initiator
 * leaves them), finished by D recovery daemons, each its own Spring Boot context running recovery on the shared
 * clustered Quartz job store. Timed from the moment the whole backlog becomes due to the moment every transaction is
 * CONFIRMED; the participant counts the phase-two requests it received.
 *
 * <p>Run alone: {@code mvn -q -pl tcc-benchmarks -am package -DskipTests && mvn -q -pl tcc-benchmarks exec:java
 * -Dexec.mainClass=io.tcc.bench.RecoveryThroughput -Dexec.args='jdbc:mysql://127.0.0.1:3306/test?user=root'}; further
 * arguments are settings for the daemons ({@code tcc.http.remote.batch.enabled=false}, {@code tcc.recovery.workers=4}…);
 * {@code -Dbench.count=} and {@code -Dbench.daemons=} change the size.
 */
public final class RecoveryThroughput {

    /**
     * What one run measured.
     *
     * @param requests phase-two HTTP requests the participant received (alone and batched)
     * @param batches  of those, batches
     */
    public record Result(int count, int daemons, Duration elapsed, int requests, int batches) {

        public double perSecond() {
            return count / (elapsed.toNanos() / 1e9);
        }

        @Override
        public String toString() {
            return String.format("%,d transactions finished by %d daemons in %.2f s (%.0f tx/s); %,d phase-two requests"
                    + " (%,d batches), %.2f requests per branch", count, daemons, elapsed.toNanos() / 1e9, perSecond(),
                    requests, batches, requests / (double) count);
        }
    }

    /** The daemons' settings for this measurement, before a caller's own: tuned for a backlog, nothing else changed. */
    public static final Map<String, String> TUNED = Map.of(
            "tcc.recovery.workers", "16",
            "tcc.recovery.batch-size", "200",
            "tcc.completion-linger", "2ms");

    private static final String SKU = "bench";

    private RecoveryThroughput() {
    }

    /** 10,000 transactions, 2 daemons, {@link #TUNED} settings, on the database server at {@code jdbcServerUrl}. */
    public static Result measure(String jdbcServerUrl) throws Exception {
        return measure(jdbcServerUrl, 10_000, 2, TUNED);
    }

    /**
     * @param jdbcServerUrl a MySQL/MariaDB or PostgreSQL server ({@code jdbc:mysql://…} or {@code jdbc:postgresql://…})
     *                      where this run may create and drop its own databases
     * @param settings      properties for each daemon, e.g. {@code tcc.http.remote.batch.enabled=false}
     */
    public static Result measure(String jdbcServerUrl, int count, int daemons, Map<String, String> settings)
            throws Exception {
        DatabaseKind kind = jdbcServerUrl.startsWith("jdbc:postgresql:") ? DatabaseKind.POSTGRESQL : DatabaseKind.MYSQL;
        System.setProperty(kind.urlVariable(), jdbcServerUrl);
        List<ConfigurableApplicationContext> contexts = new ArrayList<>();
        try (TestDatabase logDb = TestDatabase.create(kind, "throughput_log").applySchema("fence.sql")
                .applySchema("global.sql").applySchema("quartz.sql");
             TestDatabase partDb = TestDatabase.create(kind, "throughput_part").applySchema("fence.sql")
                     .run("tcc-test/stock.sql")) {
            ConfigurableApplicationContext participant = start(ParticipantService.class, "participant", partDb,
                    Map.of("tcc.recovery.enabled", "false"));
            contexts.add(participant);
            String url = "http://127.0.0.1:" + participant.getEnvironment().getProperty("local.server.port");
            load(logDb.jdbc(), partDb.jdbc(), participant.getBeanProvider(ArgumentCodec.class).getIfAvailable(JavaSerializationCodec::new), url, count);
            for (int i = 0; i < daemons; i++) {
                // a participant on a shared two-core machine answers its first calls slowly: no breaker opens for that
                Map<String, String> daemon = new LinkedHashMap<>(Map.of("participant.url", url,
                        "tcc.recovery.instance-id", "throughput-" + i, "tcc.recovery.interval", "200ms",
                        "tcc.http.remote.call-timeout", "10s", "tcc.http.remote.minimum-calls", "1000"));
                daemon.putAll(settings);
                contexts.add(start(Daemon.class, "daemon-" + i, logDb, daemon));
            }
            PhaseTwoRequests requests = participant.getBean(PhaseTwoRequests.class);
            requests.reset();
            long started = System.nanoTime();
            logDb.jdbc().update("UPDATE tcc_global SET next_attempt_ms = 0"); // the whole backlog is due at once
            while (finished(logDb.jdbc()) < count) {
                if (System.nanoTime() - started > Duration.ofMinutes(10).toNanos()) {
                    throw new IllegalStateException("only " + finished(logDb.jdbc()) + " of " + count
                            + " transactions finished within 10 minutes");
                }
                Thread.sleep(20);
            }
            Duration elapsed = Duration.ofNanos(System.nanoTime() - started);
            int[] stock = partDb.jdbc().queryForObject("SELECT available, frozen, sold FROM stock WHERE sku = ?",
                    (rs, n) -> new int[] {rs.getInt(1), rs.getInt(2), rs.getInt(3)}, SKU);
            if (stock[1] != 0 || stock[2] != count) {
                throw new IllegalStateException("the participant's stock is wrong after recovery: frozen " + stock[1]
                        + ", sold " + stock[2] + " of " + count);
            }
            return new Result(count, daemons, elapsed, requests.total(), requests.batches.get());
        } finally {
            for (int i = contexts.size() - 1; i >= 0; i--) {
                contexts.get(i).close();
            }
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: RecoveryThroughput <jdbc server url> [key=value daemon setting]...");
            System.exit(2);
        }
        Map<String, String> settings = new LinkedHashMap<>(TUNED);
        for (int i = 1; i < args.length; i++) {
            String[] pair = args[i].split("=", 2);
            settings.put(pair[0], pair.length > 1 ? pair[1] : "");
        }
        Result result = measure(args[0], Integer.getInteger("bench.count", 10_000),
                Integer.getInteger("bench.daemons", 2), settings);
        System.out.println("recovery throughput (" + settings + "): " + result);
        System.exit(0);
    }

    private static int finished(JdbcTemplate log) {
        return log.queryForObject("SELECT COUNT(*) FROM tcc_global WHERE state = 'CONFIRMED'", Integer.class);
    }

    private static ConfigurableApplicationContext start(Class<?> app, String name, TestDatabase db,
                                                        Map<String, String> settings) {
        Map<String, String> properties = new LinkedHashMap<>(Map.of("server.port", "0", "server.address", "127.0.0.1",
                "spring.application.name", name, "spring.main.banner-mode", "off",
                "spring.datasource.url", db.jdbcUrl(), "spring.datasource.hikari.maximum-pool-size", "24",
                "tcc.http.signing.secret", "throughput-secret-shared-by-all"));
        properties.putAll(settings);
        // as arguments, above any application.properties on the classpath (the demos' are), and reading none
        properties.put("spring.config.name", "tcc-recovery-throughput");
        return new SpringApplicationBuilder(app).run(properties.entrySet().stream()
                .map(p -> "--" + p.getKey() + "=" + p.getValue()).toArray(String[]::new));
    }

    /**
     * What N initiators that died right after deciding CONFIRM leave behind, loaded in bulk and not yet due: the
     * decision and the branch row in the log, the try recorded at the participant with its stock frozen.
     */
    private static void load(JdbcTemplate log, JdbcTemplate part, ArgumentCodec codec, String url, int n)
            throws NoSuchMethodException {
        Method reserve = Stock.class.getMethod("reserve", String.class, int.class);
        String args = codec.encode(reserve, new Object[] {SKU, 1});
        long deadline = System.currentTimeMillis() + 60_000;
        long notYet = Long.MAX_VALUE / 2;
        part.update("INSERT INTO stock (sku, available, frozen, sold) VALUES (?, 0, ?, 0)", SKU, n);
        String now = "CURRENT_TIMESTAMP";
        List<Object[]> globals = new ArrayList<>();
        List<Object[]> branches = new ArrayList<>();
        List<Object[]> fences = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String xid = "throughput-" + i;
            globals.add(new Object[] {xid, deadline, notYet});
            branches.add(new Object[] {xid, url});
            fences.add(new Object[] {xid, args, deadline});
            if (globals.size() == 2_000 || i == n - 1) {
                log.batchUpdate("INSERT INTO tcc_global (xid, state, deadline_ms, attempts, next_attempt_ms,"
                        + " needs_operator, created_at, updated_at) VALUES (?, 'CONFIRMING', ?, 0, ?, FALSE, " + now + ", "
                        + now + ")", globals);
                log.batchUpdate("INSERT INTO tcc_branch (xid, branch_id, participant, action, endpoint, state, created_at,"
                        + " updated_at) VALUES (?, '1', 'inventory', 'reserve-stock', ?, 'REGISTERED', " + now + ", " + now
                        + ")", branches);
                part.batchUpdate("INSERT INTO tcc_fence (xid, branch_id, action, state, empty_cancel, args, deadline_ms,"
                        + " created_at, updated_at) VALUES (?, '1', 'reserve-stock', 'TRIED', FALSE, ?, ?, " + now + ", "
                        + now + ")", fences);
                globals.clear();
                branches.clear();
                fences.clear();
            }
        }
    }

    /** The participant's business: stock that try freezes, confirm sells and cancel releases. */
    public static class Stock {
        private final JdbcTemplate jdbc;

        public Stock(JdbcTemplate jdbc) {
            this.jdbc = jdbc;
        }

        @Try("reserve-stock")
        public void reserve(String sku, int quantity) {
            jdbc.update("UPDATE stock SET available = available - ?, frozen = frozen + ? WHERE sku = ?", quantity,
                    quantity, sku);
        }

        @Confirm
        public void sell(String sku, int quantity) {
            jdbc.update("UPDATE stock SET frozen = frozen - ?, sold = sold + ? WHERE sku = ?", quantity, quantity, sku);
        }

        @Cancel
        public void release(String sku, int quantity) {
            jdbc.update("UPDATE stock SET frozen = frozen - ?, available = available + ? WHERE sku = ?", quantity,
                    quantity, sku);
        }
    }

    /** Counts the phase-two requests the participant receives, alone and batched. */
    public static class PhaseTwoRequests extends OncePerRequestFilter {
        private final AtomicInteger alone = new AtomicInteger();
        private final AtomicInteger batches = new AtomicInteger();

        @Override
        protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
                throws ServletException, IOException {
            String path = request.getRequestURI();
            if (path.startsWith("/tcc/_batch/")) {
                batches.incrementAndGet();
            } else if (path.startsWith("/tcc/") && (path.endsWith("/confirm") || path.endsWith("/cancel"))) {
                alone.incrementAndGet();
            }
            chain.doFilter(request, response);
        }

        int total() {
            return alone.get() + batches.get();
        }

        void reset() {
            alone.set(0);
            batches.set(0);
        }
    }

    /** The participant service: its fence and endpoints auto-configured, its one action. */
    @Configuration(proxyBeanMethods = false)
    @EnableAutoConfiguration
    public static class ParticipantService {
        @Bean
        Stock stock(JdbcTemplate jdbc) {
            return new Stock(jdbc);
        }

        @Bean
        PhaseTwoRequests phaseTwoRequests() {
            return new PhaseTwoRequests();
        }
    }

    /** How the daemons reach the participant: its client, as an initiator declares it. */
    @RemoteParticipant("inventory")
    public interface StockClient {
        @Try("reserve-stock")
        void reserve(String sku, int quantity);
    }

    /** A recovery daemon: an initiator's context with in-app recovery on the clustered job store, and no work of its own. */
    @Configuration(proxyBeanMethods = false)
    @EnableAutoConfiguration
    public static class Daemon {
        @Bean
        StockClient stockClient(RemoteParticipants participants, @Value("${participant.url}") String url) {
            return participants.create(StockClient.class, url);
        }
    }
}
