package io.tcc.demo;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

import tools.jackson.databind.JsonNode;

/**
 * The two services of the demo, each a JVM of its own on its own database, and what the scenario needs to reach
 * them. Closing it kills both JVMs (and drops the databases when asked to).
 */
public final class Demo implements AutoCloseable {

    /**
     * Where everything is: the database server, the names of the two databases, the two jars, the log folder; and how
     * the services run: their JVM options and settings added to the demo's own (both services get the same).
     */
    public record Config(String serverUrl, String orderDatabase, String inventoryDatabase, boolean dropDatabases,
                         Path orderJar, Path inventoryJar, Path logDir, List<String> jvmOptions,
                         List<String> serviceArguments) {

        /** The demo's own JVM options and settings. */
        public Config(String serverUrl, String orderDatabase, String inventoryDatabase, boolean dropDatabases,
                      Path orderJar, Path inventoryJar, Path logDir) {
            this(serverUrl, orderDatabase, inventoryDatabase, dropDatabases, orderJar, inventoryJar, logDir,
                    ServiceProcess.DEMO_JVM_OPTIONS, List.of());
        }
    }

    /** What the inventory starts with; the invariant is checked against it. VASE-4 is nearly sold out on purpose. */
    static final Map<String, Integer> INITIAL_STOCK = initialStock();

    static final Duration START_TIMEOUT = Duration.ofMinutes(3);

    /** Tries the inventory's fence refused: because their cancel came first, or because their deadline had passed. */
    public record Refused(long suspended, long pastDeadline) {
    }

    private static Map<String, Integer> initialStock() {
        Map<String, Integer> stock = new LinkedHashMap<>();
        stock.put("BOOK-1", 300);
        stock.put("MUG-2", 300);
        stock.put("LAMP-3", 300);
        stock.put("VASE-4", 2);
        return stock;
    }

    public final DemoDatabases databases;
    public final ServiceProcess order;
    public final ServiceProcess inventory;
    public final DemoClient client;
    /** Tries the fence refused in inventory processes that were killed since: their counters died with them. */
    private long suspensionsRefused;
    private long lateTriesRefused;

    private Demo(DemoDatabases databases, ServiceProcess order, ServiceProcess inventory, DemoClient client) {
        this.databases = databases;
        this.order = order;
        this.inventory = inventory;
        this.client = client;
    }

    /** Creates the databases and prepares both services; {@link #start()} starts them. */
    public static Demo create(Config config) throws IOException {
        return create(config, INITIAL_STOCK, port -> "http://127.0.0.1:" + port, List.of());
    }

    /**
     * @param route        the URL the order service reaches the inventory at, given the inventory's port: a proxy's, say
     * @param orderOptions more command-line options for the order service
     */
    public static Demo create(Config config, Map<String, Integer> stock, IntFunction<String> route, List<String> orderOptions)
            throws IOException {
        DemoDatabases databases = new DemoDatabases(config.serverUrl(), config.orderDatabase(), config.inventoryDatabase(),
                config.dropDatabases());
        try {
            databases.seedStock(stock);
            String secret = token();
            String adminToken = token();
            int inventoryPort = freePort();
            int orderPort = freePort();
            ServiceProcess inventory = new ServiceProcess("inventory", config.inventoryJar(), inventoryPort,
                    config.jvmOptions(), arguments(config, "--spring.datasource.url=" + databases.inventoryUrl(),
                            "--tcc.http.signing.secret=" + secret),
                    config.logDir().resolve("inventory.log"), probe(inventoryPort, "/stock?limit=1", null));
            List<String> orderArguments = new ArrayList<>(arguments(config, "--spring.datasource.url=" + databases.orderUrl(),
                    "--spring.http.serviceclient.inventory.base-url=" + route.apply(inventoryPort), "--tcc.http.signing.secret=" + secret,
                    "--tcc.http.faults.admin-token=" + adminToken, "--tcc.recovery.operator.token=" + token()));
            orderArguments.addAll(orderOptions);
            ServiceProcess order = new ServiceProcess("order", config.orderJar(), orderPort, config.jvmOptions(), orderArguments,
                    config.logDir().resolve("order.log"), probe(orderPort, "/tcc/admin/faults", adminToken));
            return new Demo(databases, order, inventory, new DemoClient(order.url(), inventory.url(), adminToken));
        } catch (IOException | RuntimeException e) {
            databases.close();
            throw e;
        }
    }

    private static List<String> arguments(Config config, String... own) {
        List<String> all = new ArrayList<>(List.of(own));
        all.addAll(config.serviceArguments());
        return all;
    }

    /** Starts both services side by side and waits until both answer. */
    public void start() throws IOException, InterruptedException {
        inventory.start();
        order.start();
        inventory.awaitReady(START_TIMEOUT);
        order.awaitReady(START_TIMEOUT);
    }

    /** kill -9 of the inventory, after reading its fence's counters: a refusal is recorded nowhere else. */
    public void killInventory() throws IOException, InterruptedException {
        JsonNode fence = client.inventoryFence();
        suspensionsRefused += fence.get("suspensionsRefused").asLong();
        lateTriesRefused += fence.get("lateTriesRefused").asLong();
        inventory.kill();
    }

    public static void restart(ServiceProcess service) throws IOException, InterruptedException {
        service.start();
        service.awaitReady(START_TIMEOUT);
    }

    /** Tries refused by the inventory's fence, over all its processes so far. */
    public Refused refusedTries() throws IOException, InterruptedException {
        JsonNode fence = client.inventoryFence();
        return new Refused(suspensionsRefused + fence.get("suspensionsRefused").asLong(),
                lateTriesRefused + fence.get("lateTriesRefused").asLong());
    }

    private static HttpRequest probe(int port, String path, String bearer) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(5));
        if (bearer != null) {
            request.header("Authorization", "Bearer " + bearer);
        }
        return request.build();
    }

    /** A fresh secret per run: the signing secret both services share, and the admin tokens. */
    private static String token() {
        byte[] bytes = new byte[24];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** Kills both services and closes the databases' pools (dropping the databases when the config says so). */
    @Override
    public void close() {
        order.close();
        inventory.close();
        databases.close();
    }
}
