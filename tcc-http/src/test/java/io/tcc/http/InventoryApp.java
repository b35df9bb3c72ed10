package io.tcc.http;

import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;

import io.tcc.annotation.Cancel;
import io.tcc.annotation.Confirm;
import io.tcc.annotation.Try;

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

        public Inventory(JdbcTemplate jdbc) {
            this.jdbc = jdbc;
        }

        @Try("reserve-stock")
        public String reserve(String sku, int quantity) throws InterruptedException {
            if (sku.startsWith("slow-")) {
                Thread.sleep(1500); // longer than the initiator's call timeout: it sees UNKNOWN
            }
            if (jdbc.update("UPDATE stock SET available = available - ?, frozen = frozen + ? WHERE sku = ? AND available >= ?",
                    quantity, quantity, sku, quantity) == 0) {
                throw new IllegalStateException("not enough stock of " + sku);
            }
            return "reserved " + quantity;
        }

        @Confirm
        public void sell(String sku, int quantity) {
            jdbc.update("UPDATE stock SET frozen = frozen - ?, sold = sold + ? WHERE sku = ?", quantity, quantity, sku);
        }

        @Cancel
        public void release(String sku, int quantity) {
            jdbc.update("UPDATE stock SET frozen = frozen - ?, available = available + ? WHERE sku = ?", quantity, quantity, sku);
        }
    }

    @Bean
    Inventory inventory(JdbcTemplate jdbc) {
        return new Inventory(jdbc);
    }
}
