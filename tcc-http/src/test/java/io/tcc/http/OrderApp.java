package io.tcc.http;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.tcc.annotation.GlobalTransaction;
import io.tcc.annotation.Try;
import io.tcc.context.TransactionContext;

/**
 * The initiator service: an order method whose one branch is the remote inventory. The client factory, the signing,
 * the guards and the fault injection are auto-configured from tcc.http.* properties (see {@link TwoServices}).
 */
@Configuration(proxyBeanMethods = false)
@EnableAutoConfiguration
class OrderApp {

    @RemoteParticipant("inventory")
    public interface InventoryClient {
        @Try("reserve-stock")
        String reserve(String sku, int quantity);
    }

    /** A participant with a breaker of its own, pointed at a port where nothing listens. */
    @RemoteParticipant("ledger")
    public interface LedgerClient {
        @Try("post-entry")
        void post(String entry);
    }

    public static class Orders {
        private final InventoryClient inventory;
        private volatile String lastXid;

        public Orders(InventoryClient inventory) {
            this.inventory = inventory;
        }

        /** Read through a method: the bean is a proxy, and a field read would see the proxy's own, empty field. */
        public String lastXid() {
            return lastXid;
        }

        @GlobalTransaction(timeoutMillis = 10_000)
        public String place(String sku, int quantity) {
            lastXid = TransactionContext.current().xid();
            return inventory.reserve(sku, quantity);
        }

        /** Tries, then fails: the cancel path. */
        @GlobalTransaction(timeoutMillis = 10_000)
        public String placeThenFail(String sku, int quantity) {
            lastXid = TransactionContext.current().xid();
            inventory.reserve(sku, quantity);
            throw new IllegalStateException("payment declined");
        }
    }

    static final String ADMIN_TOKEN = "qa-admin-token-for-the-tests";

    @Bean
    InventoryClient inventoryClient(RemoteParticipants participants, @Value("${inventory.url}") String url) {
        return participants.create(InventoryClient.class, url);
    }

    @Bean
    Orders orders(InventoryClient inventory) {
        return new Orders(inventory);
    }
}
