package io.tcc.http;

import java.util.concurrent.atomic.AtomicInteger;

import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.tcc.annotation.GlobalTransaction;
import io.tcc.annotation.Try;
import io.tcc.context.TransactionContext;
import io.tcc.global.CrashPoints;

/**
 * The initiator service: an order method whose one branch is the remote inventory. Its client is a bean of the
 * {@code inventory} HTTP service group, configured by {@code spring.http.serviceclient.inventory.*}; the signing, the
 * guards and the fault injection are auto-configured from tcc.http.* properties (see {@link TwoServices}).
 */
@Configuration(proxyBeanMethods = false)
@EnableAutoConfiguration
@EnableRemoteParticipants(clients = OrderApp.InventoryClient.class)
public class OrderApp {

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

    /** The order service's own participant: stock kept in its own database, a local branch. */
    public static class LocalStock {
        private final org.springframework.jdbc.core.JdbcTemplate jdbc;

        public LocalStock(org.springframework.jdbc.core.JdbcTemplate jdbc) {
            this.jdbc = jdbc;
        }

        @Try("hold-local-stock")
        public void hold(String sku, int quantity) {
            jdbc.update("UPDATE stock SET available = available - ?, frozen = frozen + ? WHERE sku = ?", quantity, quantity, sku);
        }

        @io.tcc.annotation.Confirm
        public void take(String sku, int quantity) {
            jdbc.update("UPDATE stock SET frozen = frozen - ?, sold = sold + ? WHERE sku = ?", quantity, quantity, sku);
        }

        @io.tcc.annotation.Cancel
        public void release(String sku, int quantity) {
            jdbc.update("UPDATE stock SET frozen = frozen - ?, available = available + ? WHERE sku = ?", quantity, quantity, sku);
        }
    }

    public static class Orders {
        private final InventoryClient inventory;
        private LocalStock localStock;

        public void setLocalStock(LocalStock localStock) {
            this.localStock = localStock;
        }
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

        /** The demo's shape: one local branch and one remote branch. */
        @GlobalTransaction(timeoutMillis = 10_000)
        public String placeWithLocalBranch(String sku, int quantity) {
            lastXid = TransactionContext.current().xid();
            localStock.hold(sku, quantity);
            return inventory.reserve(sku, quantity);
        }

        /** The same with a short deadline, so recovery may cancel it soon when its initiator dies before deciding. */
        @GlobalTransaction(timeoutMillis = 2_000)
        public String placeBrieflyWithLocalBranch(String sku, int quantity) {
            return placeWithLocalBranch(sku, quantity); // a self-call, not intercepted: it runs inside this transaction
        }

        /** Tries, then fails: the cancel path. */
        @GlobalTransaction(timeoutMillis = 10_000)
        public String placeThenFail(String sku, int quantity) {
            lastXid = TransactionContext.current().xid();
            inventory.reserve(sku, quantity);
            throw new IllegalStateException("payment declined");
        }
    }

    public static final String ADMIN_TOKEN = "qa-admin-token-for-the-tests";

    /** QA's crash switch: the initiator dies at the armed point's n-th occurrence, as if its process stopped there. */
    public static class CrashSwitch implements CrashPoints {
        private volatile Point armed;
        private final AtomicInteger remaining = new AtomicInteger();

        private volatile boolean every;

        public void arm(Point point, int occurrence) {
            every = false;
            remaining.set(occurrence);
            armed = point;
        }

        /** Every transaction dies at {@code point} until {@link #disarm()}: many initiators dying alike. */
        public void armEvery(Point point) {
            every = true;
            armed = point;
        }

        public void disarm() {
            armed = null;
        }

        @Override
        public void reached(Point point, String xid) {
            if (point == armed && (every || remaining.decrementAndGet() == 0)) {
                armed = every ? point : null;
                throw new SimulatedCrash(point, xid);
            }
        }
    }

    @Bean
    CrashSwitch crashSwitch() {
        return new CrashSwitch();
    }

    @Bean
    LocalStock localStock(org.springframework.jdbc.core.JdbcTemplate jdbc) {
        return new LocalStock(jdbc);
    }

    @Bean
    Orders orders(InventoryClient inventory, LocalStock localStock) {
        Orders orders = new Orders(inventory);
        orders.setLocalStock(localStock);
        return orders;
    }
}
