package io.tcc.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.datasource.DelegatingDataSource;
import org.springframework.web.client.support.RestClientHttpServiceGroupConfigurer;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.tcc.fence.BranchKey;
import io.tcc.fence.Fence;
import io.tcc.fence.FenceState;
import io.tcc.global.Coordinator;
import io.tcc.global.CrashPoints;
import io.tcc.global.GlobalState;
import io.tcc.test.Await;
import io.tcc.test.DatabaseKind;
import io.tcc.test.TestDatabase;

/**
 * A participant declared with {@code @EnableRemoteParticipants} is an HTTP service group that Spring Boot configures
 * like any other client: the order service knows the inventory only from {@code spring.http.serviceclient.inventory.*}
 * (base-url, read-timeout), an interceptor the application adds to that group and Boot's client observation see every
 * branch call, the calls are signed, and branch rows hold the group's logical address. Then the inventory moves to
 * another port, the order service restarts pointed there, and its recovery finishes at the new address what the old
 * run left pending.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HttpServiceClientIT {

    /** The application's own configuration of the inventory group: an interceptor that notes each request. */
    @Configuration(proxyBeanMethods = false)
    static class InventoryCallsSeen {
        final List<String> requests = new CopyOnWriteArrayList<>();

        @Bean
        RestClientHttpServiceGroupConfigurer noteInventoryCalls() {
            return groups -> groups.filterByName("inventory").forEachClient((group, client) ->
                    client.requestInterceptor((request, body, execution) -> {
                        requests.add(request.getMethod() + " " + request.getURI().getPath());
                        return execution.execute(request, body);
                    }));
        }
    }

    private TestDatabase inventoryDb;
    private TestDatabase orderDb;
    private ConfigurableApplicationContext inventory;
    private ConfigurableApplicationContext order;

    @BeforeAll
    void databases() {
        inventoryDb = TestDatabase.create(DatabaseKind.MYSQL, "svcclient_inventory").applySchema("fence.sql")
                .run("tcc-test/stock.sql");
        orderDb = TestDatabase.create(DatabaseKind.MYSQL, "svcclient_orders").applySchema("fence.sql")
                .applySchema("global.sql").applySchema("quartz.sql").run("tcc-test/stock.sql");
    }

    @AfterAll
    void stop() {
        for (ConfigurableApplicationContext context : new ConfigurableApplicationContext[] {order, inventory}) {
            if (context != null && context.isActive()) {
                context.close();
            }
        }
        orderDb.close();
        inventoryDb.close();
    }

    @Test
    void aParticipantGroupIsConfiguredByBootAndFoundAgainAfterItMoves() throws Exception {
        String sku = newSku();
        inventory = startInventory();
        String oldUrl = url(inventory);
        order = startOrder(oldUrl, "tcc.recovery.enabled=false");

        // try and confirm, try and cancel, over the group's client
        assertEquals("reserved 2", orders().place(sku, 2));
        String confirmed = orders().lastXid();
        assertThrows(IllegalStateException.class, () -> orders().placeThenFail(sku, 1));
        String cancelled = orders().lastXid();
        assertEquals(GlobalState.CONFIRMED, coordinator().log().find(confirmed).orElseThrow().state());
        assertEquals(GlobalState.CANCELLED, coordinator().log().find(cancelled).orElseThrow().state());
        assertEquals(FenceState.CONFIRMED, fence(confirmed));
        assertEquals(FenceState.CANCELLED, fence(cancelled));
        assertEquals("serviceclient:inventory", coordinator().log().branches(confirmed).get(0).endpoint(),
                "the row holds the group's logical address, not the URL it was reached at");

        // the application's interceptor on the group and Boot's observation saw the branch calls
        assertEquals(List.of("POST /tcc/reserve-stock/try", "POST /tcc/reserve-stock/confirm",
                "POST /tcc/reserve-stock/try", "POST /tcc/reserve-stock/cancel"),
                order.getBean(InventoryCallsSeen.class).requests);
        Timer observed = order.getBean(MeterRegistry.class).find("http.client.requests")
                .tag("uri", "/tcc/{action}/{phase}").tag("status", "200").timer();
        assertTrue(observed != null && observed.count() == 4, "Boot's RestClient observation timed the 4 calls: "
                + order.getBean(MeterRegistry.class).find("http.client.requests").timers());

        // every one of them was signed: the participant refuses an unsigned call, and counted only that one
        HttpResponse<String> unsigned = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(oldUrl + "/tcc/reserve-stock/try")).header("Tcc-Xid", "unsigned-1")
                .header("Tcc-Branch", "1").header("Tcc-Deadline", Long.toString(System.currentTimeMillis() + 60_000))
                .POST(HttpRequest.BodyPublishers.ofString("[\"" + sku + "\", 1]")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(401, unsigned.statusCode(), unsigned.body());
        assertEquals(1, inventory.getBean(BranchCallGate.class).unauthenticatedCalls());

        // the order service dies after deciding, twice: a confirm and a cancel left pending, their tries done
        OrderApp.CrashSwitch crash = order.getBean(OrderApp.CrashSwitch.class);
        crash.arm(CrashPoints.Point.AFTER_DECISION, 1);
        assertThrows(CrashPoints.SimulatedCrash.class, () -> orders().place(sku, 3));
        String pendingConfirm = orders().lastXid();
        crash.arm(CrashPoints.Point.AFTER_DECISION, 1);
        assertThrows(CrashPoints.SimulatedCrash.class, () -> orders().placeThenFail(sku, 4));
        String pendingCancel = orders().lastXid();
        order.close();
        assertEquals(FenceState.TRIED, fence(pendingConfirm));
        assertEquals(FenceState.TRIED, fence(pendingCancel));

        // the topology changes: the inventory moves to another port, and the order service restarts pointed there
        inventory.close();
        inventory = startInventory();
        String newUrl = url(inventory);
        assertNotEquals(oldUrl, newUrl);
        order = startOrder(newUrl, "tcc.recovery.enabled=true", "tcc.recovery.interval=500ms",
                "tcc.recovery.initial-backoff=200ms", "tcc.recovery.max-backoff=1s", "tcc.phase-two-retry-delay=200ms");

        // its recovery finishes both at the new address, from rows that never named one
        Await.until("recovery finished both pending transactions at the inventory's new address", Duration.ofSeconds(30),
                () -> state(pendingConfirm) == GlobalState.CONFIRMED && state(pendingCancel) == GlobalState.CANCELLED);
        assertEquals(FenceState.CONFIRMED, fence(pendingConfirm));
        assertEquals(FenceState.CANCELLED, fence(pendingCancel));
        assertTrue(order.getBean(InventoryCallsSeen.class).requests.containsAll(List.of(
                "POST /tcc/reserve-stock/confirm", "POST /tcc/reserve-stock/cancel")), "recovery's calls went through"
                + " the group's client too: " + order.getBean(InventoryCallsSeen.class).requests);
        assertEquals(List.of(10 - 2 - 3, 0, 2 + 3), stock(sku), "available, frozen, sold: the confirms sold, the"
                + " cancels released");
    }

    @Test
    void aGroupWithoutABaseUrlSendsNothingAndSaysWhichSettingIsMissing() {
        ConfigurableApplicationContext nowhere = TwoServices.start(OrderApp.class,
                new DelegatingDataSource(orderDb.dataSource()), "orders", "tcc.http.signing.secret=" + InventoryApp.SECRET);
        try {
            OrderApp.Orders orders = nowhere.getBean(OrderApp.Orders.class);
            RemoteBranchException failed = assertThrows(RemoteBranchException.class, () -> orders.place("sku-x", 1));
            assertEquals(Outcome.DEFINITE_FAILURE, failed.result().outcome(), failed.getMessage());
            assertTrue(failed.result().noEndpoint(), "calling again cannot help until the configuration changes");
            assertTrue(failed.result().detail().contains("spring.http.serviceclient.inventory.base-url"),
                    failed.result().detail());
            assertEquals(GlobalState.CANCELLING, nowhere.getBean(Coordinator.class).log().find(orders.lastXid())
                    .orElseThrow().state(), "its cancel has nowhere to go either: it waits, for recovery to flag");
        } finally {
            nowhere.close();
        }
    }

    private ConfigurableApplicationContext startInventory() {
        return TwoServices.start(InventoryApp.class, new DelegatingDataSource(inventoryDb.dataSource()), "inventory",
                "tcc.http.signing.secret=" + InventoryApp.SECRET);
    }

    /** The order service, told where the inventory is only by the inventory group's settings. */
    private ConfigurableApplicationContext startOrder(String inventoryUrl, String... settings) {
        String[] all = new String[settings.length + 4];
        all[0] = TwoServices.INVENTORY_BASE_URL + "=" + inventoryUrl;
        all[1] = "spring.http.serviceclient.inventory.read-timeout=5s";
        all[2] = "tcc.http.signing.secret=" + InventoryApp.SECRET;
        all[3] = "tcc.recovery-margin=200ms";
        System.arraycopy(settings, 0, all, 4, settings.length);
        return TwoServices.start(new Class<?>[] {OrderApp.class, InventoryCallsSeen.class},
                new DelegatingDataSource(orderDb.dataSource()), "orders", all);
    }

    private static String url(ConfigurableApplicationContext service) {
        return "http://127.0.0.1:" + service.getEnvironment().getProperty("local.server.port");
    }

    private String newSku() {
        String sku = "sku-" + UUID.randomUUID();
        inventoryDb.jdbc().update("INSERT INTO stock (sku, available, frozen, sold) VALUES (?, 10, 0, 0)", sku);
        return sku;
    }

    private OrderApp.Orders orders() {
        return order.getBean(OrderApp.Orders.class);
    }

    private Coordinator coordinator() {
        return order.getBean(Coordinator.class);
    }

    private GlobalState state(String xid) {
        return GlobalState.valueOf(orderDb.jdbc().queryForObject("SELECT state FROM tcc_global WHERE xid = ?",
                String.class, xid));
    }

    private FenceState fence(String xid) {
        return inventory.getBean(Fence.class).find(new BranchKey(xid, "1")).orElseThrow().state();
    }

    private List<Integer> stock(String sku) {
        return inventoryDb.jdbc().queryForObject("SELECT available, frozen, sold FROM stock WHERE sku = ?",
                (rs, n) -> List.of(rs.getInt(1), rs.getInt(2), rs.getInt(3)), sku);
    }
}
