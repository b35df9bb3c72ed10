package io.tcc.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DelegatingDataSource;
import org.springframework.transaction.PlatformTransactionManager;

import io.tcc.fence.BranchKey;
import io.tcc.fence.Fence;
import io.tcc.fence.FenceRecord;
import io.tcc.fence.FenceState;
import io.tcc.global.BranchRecord;
import io.tcc.global.Coordinator;
import io.tcc.global.GlobalState;
import io.tcc.test.CountingDataSource;
import io.tcc.test.DatabaseKind;
import io.tcc.test.TestDatabase;
import tools.jackson.databind.json.JsonMapper;

/**
 * Two services, each a Spring Boot application with its own Tomcat on a loopback port and its own database, talking
 * real, signed HTTP: the order service (initiator) and the inventory service (participant).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class TwoServices {

    /** Where the order service finds the inventory: the base URL of its {@code inventory} HTTP service group. */
    public static final String INVENTORY_BASE_URL = "spring.http.serviceclient.inventory.base-url";

    final JsonMapper json = JsonMapper.builder().build();
    final HttpClient http = HttpClient.newHttpClient();
    final RequestSigner signer = new RequestSigner(InventoryApp.SECRET);

    TestDatabase inventoryDb;
    TestDatabase orderDb;
    ConfigurableApplicationContext inventory;
    ConfigurableApplicationContext order;
    String inventoryUrl;
    String sku;

    /** Every commit each service's database receives, counted where the services' connections come from. */
    CountingDataSource inventoryData;
    CountingDataSource orderData;

    @BeforeAll
    void startServices() {
        inventoryDb = TestDatabase.create(DatabaseKind.MYSQL, "inventory").applySchema("fence.sql").run("tcc-test/stock.sql");
        orderDb = TestDatabase.create(DatabaseKind.MYSQL, "orders").applySchema("fence.sql").applySchema("global.sql")
                .run("tcc-test/stock.sql");
        if (orderRunsRecovery()) {
            orderDb.applySchema("quartz.sql");
        }
        inventoryData = new CountingDataSource(inventoryDb.dataSource());
        orderData = new CountingDataSource(orderDb.dataSource());
        inventory = start(sources(InventoryApp.class, moreInventorySources()), inventoryData, "inventory",
                inventorySettings());
        inventoryUrl = "http://127.0.0.1:" + inventory.getEnvironment().getProperty("local.server.port");
        List<String> orderSettings = new ArrayList<>(List.of(INVENTORY_BASE_URL + "=" + inventoryUrl,
                "tcc.http.signing.secret=" + InventoryApp.SECRET,
                "tcc.http.remote.participants.inventory.call-timeout=500ms",
                "tcc.http.remote.participants.ledger.minimum-calls=2",
                "tcc.http.remote.participants.ledger.open-duration=60s",
                "tcc.http.remote.participants.ledger.phase-two-calls=1",
                "tcc.http.faults.enabled=true", "tcc.http.faults.seed=42",
                "tcc.http.faults.admin-token=" + OrderApp.ADMIN_TOKEN));
        orderSettings.addAll(List.of(moreOrderSettings()));
        order = start(sources(OrderApp.class, moreOrderSources()), orderData, "orders",
                orderSettings.toArray(String[]::new));
    }

    /** The inventory service's settings; a subclass that tests one adds it with {@link #moreInventorySettings()}. */
    private String[] inventorySettings(String... extra) {
        List<String> settings = new ArrayList<>(List.of("tcc.http.signing.secret=" + InventoryApp.SECRET,
                "tcc.http.participant.max-body-bytes=16384"));
        settings.addAll(List.of(moreInventorySettings()));
        settings.addAll(List.of(extra));
        return settings.toArray(String[]::new);
    }

    /** Further settings of the inventory service, for a subclass that tests one. */
    String[] moreInventorySettings() {
        return new String[0];
    }

    /**
     * True for a subclass whose order service runs recovery in-app ({@code tcc.recovery.enabled=true} in
     * {@link #moreOrderSettings()}), for example to serve the operators' endpoints: its database gets Quartz's tables.
     */
    boolean orderRunsRecovery() {
        return false;
    }

    /** Further settings of the order service, for a subclass that tests one. */
    String[] moreOrderSettings() {
        return new String[0];
    }

    /** Further configuration classes of the inventory service, for a subclass that adds beans to it. */
    Class<?>[] moreInventorySources() {
        return new Class<?>[0];
    }

    /** Further configuration classes of the order service, for a subclass that adds beans to it. */
    Class<?>[] moreOrderSources() {
        return new Class<?>[0];
    }

    private static Class<?>[] sources(Class<?> app, Class<?>... more) {
        List<Class<?>> sources = new ArrayList<>(List.of(app));
        sources.addAll(List.of(more));
        return sources.toArray(Class<?>[]::new);
    }

    /** Starts the inventory service again on the port it had, as after an outage. */
    void restartInventory() {
        inventory = start(sources(InventoryApp.class, moreInventorySources()), inventoryData, "inventory",
                inventorySettings("server.port=" + inventoryUrl.substring(inventoryUrl.lastIndexOf(':') + 1)));
    }

    /** @param dataSource a wrapper without close(): a closing context must not close the test's pool */
    public static ConfigurableApplicationContext start(Class<?> app, DataSource dataSource, String name, String... properties) {
        return start(new Class<?>[] {app}, dataSource, name, properties);
    }

    /** The same for an application made of several configuration classes. */
    public static ConfigurableApplicationContext start(Class<?>[] sources, DataSource dataSource, String name,
                                                       String... properties) {
        return new SpringApplicationBuilder(sources)
                // these tests drive recovery themselves: the in-app daemon (on by default) stays off
                .properties("server.port=0", "server.address=127.0.0.1", "spring.application.name=" + name,
                        "tcc.recovery.enabled=false",
                        "spring.main.banner-mode=off")
                .properties(properties)
                .initializers(context -> {
                    GenericApplicationContext generic = (GenericApplicationContext) context;
                    generic.registerBean(DataSource.class, () -> dataSource);
                    generic.registerBean(PlatformTransactionManager.class, () -> new DataSourceTransactionManager(dataSource));
                    generic.registerBean(JdbcTemplate.class, () -> new JdbcTemplate(dataSource));
                })
                .run();
    }

    @AfterAll
    void stopServices() {
        order.close();
        inventory.close();
        orderDb.close();
        inventoryDb.close();
    }

    @BeforeEach
    void newSku() {
        sku = "sku-" + UUID.randomUUID();
        inventoryDb.jdbc().update("INSERT INTO stock (sku, available, frozen, sold) VALUES (?, 10, 0, 0)", sku);
    }

    int[] stock(String sku) {
        return inventoryDb.jdbc().queryForObject("SELECT available, frozen, sold FROM stock WHERE sku = ?",
                (rs, n) -> new int[] {rs.getInt(1), rs.getInt(2), rs.getInt(3)}, sku);
    }

    FenceRecord participantFence(String xid) {
        return inventory.getBean(Fence.class).find(new BranchKey(xid, "1")).orElse(null);
    }

    int participantFenceRows() {
        return inventoryDb.jdbc().queryForObject("SELECT COUNT(*) FROM tcc_fence", Integer.class);
    }

    OrderApp.Orders orders() {
        return order.getBean(OrderApp.Orders.class);
    }

    Coordinator coordinator() {
        return order.getBean(Coordinator.class);
    }

}
