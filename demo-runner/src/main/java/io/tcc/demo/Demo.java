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
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import tools.jackson.databind.JsonNode;

/**
 * The two services of the demo, each a JVM of its own on its own database, and what the scenario needs to reach
 * them. The demo runs one instance of each; the scaled chaos run several, each writing through its own server of a
 * cluster ({@link Instances}). Closing it kills every JVM (and drops the databases when asked to).
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

    /**
     * How many instances of each service, and the database server each writes through (its position in the list is
     * its instance): {@code jdbc:mysql://host:port/?...}, the database part ignored.
     */
    public record Instances(List<String> orderServers, List<String> inventoryServers) {
        /** One instance of each, on the config's server: the demo. */
        public static Instances one(Config config) {
            return new Instances(List.of(config.serverUrl()), List.of(config.serverUrl()));
        }

        /**
         * Spread over the servers of a cluster: order instance i writes through server i, inventory instance i through
         * server i + 2 (modulo their number): on three Galera nodes, two order and two inventory instances use all three.
         */
        public static Instances spread(int orderInstances, int inventoryInstances, List<String> servers) {
            List<String> orders = new ArrayList<>();
            List<String> inventories = new ArrayList<>();
            for (int i = 0; i < orderInstances; i++) {
                orders.add(servers.get(i % servers.size()));
            }
            for (int i = 0; i < inventoryInstances; i++) {
                inventories.add(servers.get((i + 2) % servers.size()));
            }
            return new Instances(orders, inventories);
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

    /**
     * The one setting that tells the order service (and a recovery daemon) where the inventory is: the base URL of its
     * {@code inventory} HTTP service group.
     */
    public static final String INVENTORY_ADDRESS = "--spring.http.serviceclient.inventory.base-url=";

    public final DemoDatabases databases;
    /** Every instance of each service, in the order of {@link Instances}. */
    public final List<ServiceProcess> orders;
    public final List<ServiceProcess> inventories;
    /** The first instance of each service: in the demo, the only one. */
    public final ServiceProcess order;
    public final ServiceProcess inventory;
    /** Speaks to the first instance of each service. */
    public final DemoClient client;
    /** The signing secret the services (and a recovery daemon) share, and the order service's admin token. */
    private final String secret;
    private final String adminToken;
    /** Where the order service reaches the inventory (spring.http.serviceclient.inventory.base-url): a daemon too. */
    private final String inventoryAddress;
    private final Config config;
    /** Processes beside the services' instances: the recovery daemon. */
    private final List<ServiceProcess> others = new ArrayList<>();
    /** Tries the fence refused in inventory processes that were killed since: their counters died with them. */
    private long suspensionsRefused;
    private long lateTriesRefused;

    private Demo(DemoDatabases databases, List<ServiceProcess> orders, List<ServiceProcess> inventories, String secret,
                 String adminToken, String inventoryAddress, Config config) {
        this.databases = databases;
        this.orders = List.copyOf(orders);
        this.inventories = List.copyOf(inventories);
        this.order = orders.get(0);
        this.inventory = inventories.get(0);
        this.secret = secret;
        this.adminToken = adminToken;
        this.inventoryAddress = inventoryAddress;
        this.config = config;
        this.client = clientOf(order, inventory);
    }

    /** Creates the databases and prepares both services; {@link #start()} starts them. */
    public static Demo create(Config config) throws IOException {
        return create(config, INITIAL_STOCK, Instances.one(config), ports -> "http://127.0.0.1:" + ports.get(0), List.of());
    }

    /**
     * @param route        the URL the order service reaches the inventory at, given the inventory instances' ports: a
     *                     proxy's or a balancer's, say
     * @param orderOptions more command-line options for the order service
     */
    public static Demo create(Config config, Map<String, Integer> stock, Instances instances,
                              Function<List<Integer>, String> route, List<String> orderOptions) throws IOException {
        DemoDatabases databases = new DemoDatabases(config.serverUrl(), config.orderDatabase(), config.inventoryDatabase(),
                config.dropDatabases());
        try {
            databases.seedStock(stock);
            String secret = token();
            String adminToken = token();
            List<ServiceProcess> inventories = new ArrayList<>();
            for (String server : instances.inventoryServers()) {
                int port = freePort();
                String name = name("inventory", inventories.size(), instances.inventoryServers());
                inventories.add(new ServiceProcess(name, config.inventoryJar(), port, config.jvmOptions(),
                        arguments(config, "--spring.datasource.url=" + databases.inventoryUrl(server),
                                "--tcc.http.signing.secret=" + secret),
                        config.logDir().resolve(name + ".log"), probe(port, "/stock?limit=1", null)));
            }
            String inventoryUrl = route.apply(inventories.stream().map(ServiceProcess::port).toList());
            List<ServiceProcess> orders = new ArrayList<>();
            for (String server : instances.orderServers()) {
                int port = freePort();
                String name = name("order", orders.size(), instances.orderServers());
                // the one place the order service is told where the inventory is
                List<String> orderArguments = new ArrayList<>(arguments(config, "--spring.datasource.url="
                        + databases.orderUrl(server), INVENTORY_ADDRESS + inventoryUrl, "--tcc.http.signing.secret=" + secret,
                        "--tcc.http.faults.admin-token=" + adminToken, "--tcc.recovery.operator.token=" + token()));
                orderArguments.addAll(orderOptions);
                orders.add(new ServiceProcess(name, config.orderJar(), port, config.jvmOptions(), orderArguments,
                        config.logDir().resolve(name + ".log"), probe(port, "/tcc/admin/faults", adminToken)));
            }
            return new Demo(databases, orders, inventories, secret, adminToken, inventoryUrl, config);
        } catch (IOException | RuntimeException e) {
            databases.close();
            throw e;
        }
    }

    /** "order" when the service has one instance (the demo), else "order-1", "order-2", ... */
    private static String name(String service, int index, List<String> instances) {
        return instances.size() == 1 ? service : service + "-" + (index + 1);
    }

    /**
     * The standalone recovery daemon ({@code tcc-recovery-daemon}'s jar) beside the order service's in-app recovery:
     * the same database and Quartz cluster, the order service's timings, its local branches driven at {@code localUrl}.
     * Started by {@link #start()}, killed by {@link #close()}.
     *
     * @param server the database server it writes through
     */
    public ServiceProcess addRecoveryDaemon(Path jar, String server, String localUrl) throws IOException {
        int port = freePort();
        String operatorToken = token();
        ServiceProcess daemon = new ServiceProcess("recovery-daemon", jar, port, config.jvmOptions(), List.of(
                "--spring.datasource.url=" + databases.orderUrl(server), "--tcc.http.signing.secret=" + secret,
                "--tcc.daemon.participants.local=" + localUrl, "--tcc.recovery.instance-id=recovery-daemon",
                // the rows hold serviceclient:inventory: the daemon resolves it as the order service does
                INVENTORY_ADDRESS + inventoryAddress,
                "--tcc.recovery.operator.token=" + operatorToken,
                // the order service's settings (demo-order's application.properties): the same recovery, beside it
                "--tcc.recovery-margin=2s", "--tcc.recovery.interval=1s", "--tcc.recovery.initial-backoff=500ms",
                "--tcc.recovery.max-backoff=4s", "--tcc.recovery.lease=6s", "--tcc.recovery.batch-size=20",
                "--tcc.recovery.max-attempts=50", "--tcc.http.remote.participants.inventory.call-timeout=1s",
                "--logging.pattern.console=%d{HH:mm:ss.SSS} %-5level [%X{xid:-}] %logger{24} - %msg%n"),
                config.logDir().resolve("recovery-daemon.log"), probe(port, "/tcc/admin/transactions?limit=1", operatorToken));
        others.add(daemon);
        return daemon;
    }

    /** Speaks to one order instance (its fault rules) and one inventory instance (its fence's counters) directly. */
    public DemoClient clientOf(ServiceProcess orderInstance, ServiceProcess inventoryInstance) {
        return new DemoClient(orderInstance.url(), inventoryInstance.url(), adminToken);
    }

    /** Speaks to the services at other addresses (a balancer's), with the admin token of the order service. */
    public DemoClient clientAt(String orderUrl, String inventoryUrl) {
        return new DemoClient(orderUrl, inventoryUrl, adminToken);
    }

    private static List<String> arguments(Config config, String... own) {
        List<String> all = new ArrayList<>(List.of(own));
        all.addAll(config.serviceArguments());
        return all;
    }

    /** Starts every instance (and the daemon) side by side and waits until all answer. */
    public void start() throws IOException, InterruptedException {
        List<ServiceProcess> all = all();
        for (ServiceProcess service : all) {
            service.start();
        }
        for (ServiceProcess service : all) {
            service.awaitReady(START_TIMEOUT);
        }
    }

    private List<ServiceProcess> all() {
        List<ServiceProcess> all = new ArrayList<>(inventories);
        all.addAll(orders);
        all.addAll(others);
        return all;
    }

    /** kill -9 of the inventory, after reading its fence's counters: a refusal is recorded nowhere else. */
    public void killInventory() throws IOException, InterruptedException {
        killInventory(inventory);
    }

    /** kill -9 of one inventory instance, after reading its fence's counters. */
    public void killInventory(ServiceProcess instance) throws IOException, InterruptedException {
        JsonNode fence = clientOf(order, instance).inventoryFence();
        suspensionsRefused += fence.get("suspensionsRefused").asLong();
        lateTriesRefused += fence.get("lateTriesRefused").asLong();
        instance.kill();
    }

    public static void restart(ServiceProcess service) throws IOException, InterruptedException {
        service.start();
        service.awaitReady(START_TIMEOUT);
    }

    /** Tries refused by the inventory's fence, over all its processes so far. */
    public Refused refusedTries() throws IOException, InterruptedException {
        long suspended = suspensionsRefused;
        long late = lateTriesRefused;
        for (ServiceProcess instance : inventories) {
            JsonNode fence = clientOf(order, instance).inventoryFence();
            suspended += fence.get("suspensionsRefused").asLong();
            late += fence.get("lateTriesRefused").asLong();
        }
        return new Refused(suspended, late);
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

    /** Kills every process and closes the databases' pools (dropping the databases when the config says so). */
    @Override
    public void close() {
        List<ServiceProcess> all = all();
        Collections.reverse(all);
        all.forEach(ServiceProcess::close);
        databases.close();
    }
}
