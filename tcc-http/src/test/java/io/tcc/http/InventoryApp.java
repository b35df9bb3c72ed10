package io.tcc.http;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.slf4j.MDC;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.servlet.function.RouterFunction;
import org.springframework.web.servlet.function.RouterFunctions;
import org.springframework.web.servlet.function.ServerResponse;

import io.tcc.annotation.Cancel;
import io.tcc.annotation.Confirm;
import io.tcc.annotation.Try;
import io.tcc.context.TransactionContext;
import io.tcc.test.Await;
import tools.jackson.databind.json.JsonMapper;

/**
 * The participant service: stock. The framework serves its endpoints (auto-configured from tcc.http.* properties,
 * see {@link TwoServices}); the service writes none.
 */
@Configuration(proxyBeanMethods = false)
@EnableAutoConfiguration
public class InventoryApp {

    public static final String SECRET = "test-secret-shared-by-both-services";

    public static class Inventory {
        private final JdbcTemplate jdbc;
        private final BranchCalls calls;

        public Inventory(JdbcTemplate jdbc, BranchCalls calls) {
            this.jdbc = jdbc;
            this.calls = calls;
        }

        @Try("reserve-stock")
        public String reserve(String sku, int quantity) {
            if (sku.startsWith("slow-")) {
                // a late try: it goes on only once its cancel has reached this service, so the initiator's call has
                // timed out (UNKNOWN) and the cancel meets the try still running, through the fence
                String xid = MDC.get(TransactionContext.MDC_KEY);
                Await.until("the cancel of " + xid + " to reach the participant", Duration.ofSeconds(10),
                        () -> calls.received(xid, "cancel") > 0);
            }
            if (jdbc.update("UPDATE stock SET available = available - ?, frozen = frozen + ? WHERE sku = ? AND available >= ?",
                    quantity, quantity, sku, quantity) == 0) {
                throw new IllegalStateException("not enough stock of " + sku);
            }
            return "reserved " + quantity;
        }

        @Confirm
        public void sell(String sku, int quantity) {
            if (sku.startsWith("unsellable-")) {
                throw new IllegalStateException("the business confirm cannot sell " + sku); // fails on every retry
            }
            jdbc.update("UPDATE stock SET frozen = frozen - ?, sold = sold + ? WHERE sku = ?", quantity, quantity, sku);
        }

        @Cancel
        public void release(String sku, int quantity) {
            jdbc.update("UPDATE stock SET frozen = frozen - ?, available = available + ? WHERE sku = ?", quantity, quantity, sku);
        }
    }

    /**
     * Counts the branch calls this service receives and answers, per xid and phase, and calls of one that ran at once.
     */
    public static class BranchCalls extends OncePerRequestFilter {
        private final Map<String, AtomicInteger> received = new ConcurrentHashMap<>();
        private final Map<String, AtomicInteger> answered = new ConcurrentHashMap<>();
        private final Map<String, AtomicInteger> inFlight = new ConcurrentHashMap<>();
        private final AtomicInteger overlaps = new AtomicInteger();
        private static final JsonMapper JSON = JsonMapper.builder().build();

        @Override
        protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
                throws ServletException, IOException {
            List<String> keys = keys(request);
            if (keys.isEmpty()) {
                chain.doFilter(request, response);
                return;
            }
            for (String key : keys) {
                received.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
                if (inFlight.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet() > 1) {
                    overlaps.incrementAndGet();
                }
            }
            try {
                chain.doFilter(request, response);
            } finally {
                for (String key : keys) {
                    inFlight.get(key).decrementAndGet();
                    answered.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
                }
            }
        }

        /** "xid phase" of the call, or of each entry of a batch (the gate before this filter has read its body). */
        private static List<String> keys(HttpServletRequest request) {
            String uri = request.getRequestURI();
            String phase = uri.substring(uri.lastIndexOf('/') + 1);
            String xid = request.getHeader(TccHeaders.XID);
            if (xid != null) {
                return List.of(xid + " " + phase);
            }
            if (!uri.contains("/" + BranchCall.BATCH + "/") || !(request.getAttribute(BranchCallGate.BODY) instanceof byte[] body)) {
                return List.of();
            }
            List<String> keys = new ArrayList<>();
            JSON.readTree(body).path("entries").forEach(entry -> keys.add(entry.path("xid").asString() + " " + phase));
            return keys;
        }

        /** How many calls of {@code phase} ("try", "confirm", "cancel") arrived for {@code xid}. */
        public int received(String xid, String phase) {
            AtomicInteger count = received.get(xid + " " + phase);
            return count == null ? 0 : count.get();
        }

        /** How many calls of {@code phase} for {@code xid} this service has finished handling. */
        public int answered(String xid, String phase) {
            AtomicInteger count = answered.get(xid + " " + phase);
            return count == null ? 0 : count.get();
        }

        /** Calls that arrived while another call of the same xid and phase was still running. */
        public int overlaps() {
            return overlaps.get();
        }
    }

    /** A plain endpoint of the service, beside the participant's: it must stay responsive whatever they are sent. */
    @Bean
    RouterFunction<ServerResponse> stockLevels(JdbcTemplate jdbc) {
        return RouterFunctions.route().GET("/stock/{sku}", request -> ServerResponse.ok().body(jdbc.queryForObject(
                "SELECT available FROM stock WHERE sku = ?", Integer.class, request.pathVariable("sku")))).build();
    }

    @Bean
    BranchCalls branchCalls() {
        return new BranchCalls();
    }

    @Bean
    Inventory inventory(JdbcTemplate jdbc, BranchCalls calls) {
        return new Inventory(jdbc, calls);
    }
}
