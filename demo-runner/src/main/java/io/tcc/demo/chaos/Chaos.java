package io.tcc.demo.chaos;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.netcrusher.core.reactor.NioReactor;
import org.netcrusher.tcp.TcpCrusher;
import org.netcrusher.tcp.TcpCrusherBuilder;
import org.springframework.jdbc.core.JdbcTemplate;

import io.tcc.demo.Demo;
import io.tcc.demo.DemoClient;
import io.tcc.demo.ServiceProcess;
import tools.jackson.databind.JsonNode;

/**
 * The chaos harness: orders from many client threads against the demo's two service JVMs while, at random moments,
 * QA's fault points fire on about 30 % of the order service's calls to the inventory, a TCP proxy between the two
 * freezes or cuts its connections, and either service is killed with SIGKILL and restarted. Then recovery is left to
 * reach quiescence and {@link ChaosReport} checks the outcome in both databases.
 *
 * <p>Every random choice is drawn up front from one {@code Random(seed)}: the orders, the moment (which order is being
 * dispatched) and length of every event, the fault delays; the order service's own fault draws use the same seed. A
 * replay follows the same plan, not the same thread interleaving.
 */
public final class Chaos implements AutoCloseable {

    /** How big the run is; the numbers of kills, freezes and cuts grow with the orders. */
    public record Settings(int orders, long seed, int threads, Duration quiescenceTimeout) {
        public static Settings of(int orders, long seed) {
            return new Settings(orders, seed, 8, Duration.ofMinutes(5));
        }

        int killsEach() {
            return Math.max(1, orders / 2500);
        }

        int tcpFaultsEach() {
            return Math.max(3, orders / 500);
        }
    }

    enum EventType { KILL_ORDER, KILL_INVENTORY, FREEZE, CUT }

    /** At the dispatch of order {@code at}: the event; {@code millis} is how long a service stays dead or the link frozen. */
    record Event(int at, EventType type, long millis) {
        @Override
        public String toString() {
            return "at order " + at + ": " + type + (millis > 0 ? " " + millis + " ms" : "");
        }
    }

    private record Call(String sku, int quantity) {
    }

    static final double FAULT_RATE = 0.30;
    static final List<String> PHASES = List.of("TRY", "CONFIRM", "CANCEL");
    static final List<String> KINDS = List.of("REQUEST_LOST", "RESPONSE_LOST", "DELAYED", "ERROR");
    private static final double[] STOCK_SHARE = {1.5, 0.6, 0.3, 0.1, 0.01};

    /**
     * Five SKUs; each is asked for 0.4 units per order on average (quantities 1 to 3): the first has more than enough,
     * the others less and less, the last almost nothing, so many tries are refused for stock.
     */
    public static Map<String, Integer> stock(int orders) {
        Map<String, Integer> stock = new LinkedHashMap<>();
        for (int i = 0; i < STOCK_SHARE.length; i++) {
            stock.put("SKU-" + (i + 1), Math.max(2, (int) Math.round(0.4 * orders * STOCK_SHARE[i])));
        }
        return stock;
    }

    private final Demo demo;
    private final NioReactor reactor;
    private final TcpCrusher proxy;
    private final Settings settings;
    private final PrintStream out;
    private final List<Call> calls = new ArrayList<>();
    private final List<Event> events = new ArrayList<>();
    private final Map<String, Long> delays = new LinkedHashMap<>();
    private final ChaosTally tally;

    // dispatch: order i goes out once the gate is open and every event planned at or before i has started
    private final Object lock = new Object();
    private boolean closed;
    private int dispatched;
    private int nextEvent;
    private boolean gateClosed;
    private volatile Exception failure;

    /**
     * Creates the databases and opens the TCP proxy; {@link #run()} starts both services, the order service reaching
     * the inventory through the proxy and drawing its faults from the seed.
     */
    public static Chaos create(Demo.Config config, Settings settings, PrintStream out) throws IOException {
        NioReactor reactor = new NioReactor();
        TcpCrusher[] proxy = new TcpCrusher[1];
        Demo demo = null;
        try {
            int proxyPort = Demo.freePort();
            demo = Demo.create(config, stock(settings.orders()), inventoryPort -> {
                proxy[0] = TcpCrusherBuilder.builder().withReactor(reactor).withBindAddress("127.0.0.1", proxyPort)
                        .withConnectAddress("127.0.0.1", inventoryPort).buildAndOpen();
                return "http://127.0.0.1:" + proxyPort;
            }, List.of("--tcc.http.faults.seed=" + settings.seed()));
            return new Chaos(demo, reactor, proxy[0], settings, out);
        } catch (IOException | RuntimeException e) {
            close(demo, reactor, proxy[0]);
            throw e;
        }
    }

    private Chaos(Demo demo, NioReactor reactor, TcpCrusher proxy, Settings settings, PrintStream out) {
        this.demo = demo;
        this.reactor = reactor;
        this.proxy = proxy;
        this.settings = settings;
        this.out = out;
        this.tally = new ChaosTally(settings.orders());
        Random random = new Random(settings.seed());
        List<String> skus = List.copyOf(stock(settings.orders()).keySet());
        for (int i = 0; i < settings.orders(); i++) {
            calls.add(new Call(skus.get(random.nextInt(skus.size())), 1 + random.nextInt(3)));
        }
        plan(random, EventType.KILL_ORDER, settings.killsEach(), 0, 2_000);
        plan(random, EventType.KILL_INVENTORY, settings.killsEach(), 500, 3_000);
        plan(random, EventType.FREEZE, settings.tcpFaultsEach(), 300, 3_000);
        plan(random, EventType.CUT, settings.tcpFaultsEach(), 0, 0);
        events.sort(Comparator.comparingInt(Event::at));
        for (String phase : PHASES) {
            delays.put(phase, 1_500L + random.nextInt(2_500)); // past the 1 s call timeout: it lands after its cancel
        }
    }

    private void plan(Random random, EventType type, int count, long minMillis, long maxMillis) {
        for (int i = 0; i < count; i++) {
            int at = settings.orders() / 20 + random.nextInt(settings.orders() * 17 / 20);
            events.add(new Event(at, type, minMillis + (maxMillis > minMillis ? random.nextLong(maxMillis - minMillis) : 0)));
        }
    }

    /** Plays the load and its events, waits for quiescence, then reads and checks both databases. */
    public ChaosReport run() throws Exception {
        out.println("chaos: starting the order service (log " + demo.order.log() + ") and the inventory (log "
                + demo.inventory.log() + "); the order service reaches the inventory through a TCP proxy at "
                + proxy.getBindAddress());
        demo.start();
        Instant start = Instant.now();
        out.printf("chaos: seed %d, %d orders from %d threads, %d events: %s%n", settings.seed(), settings.orders(),
                settings.threads(), events.size(), events);
        arm();
        ExecutorService pool = Executors.newFixedThreadPool(settings.threads() + 1);
        try {
            List<Future<?>> clients = new ArrayList<>();
            for (int t = 0; t < settings.threads(); t++) {
                clients.add(pool.submit(this::client));
            }
            Future<?> chaos = pool.submit(() -> {
                playEvents();
                return null;
            });
            chaos.get();
            for (Future<?> client : clients) {
                client.get();
            }
        } finally {
            abort(null);
            pool.shutdownNow();
            pool.awaitTermination(1, TimeUnit.MINUTES);
        }
        if (failure != null) {
            throw failure;
        }
        demo.client.disarm();
        tally.faults(demo.client.faultCounts());
        out.println("chaos: load done (" + seconds(Duration.between(start, Instant.now())) + "); faults disarmed;"
                + " waiting for recovery to reach quiescence ...");
        Duration quiescence = awaitQuiescence();
        out.println("chaos: " + (quiescence == null ? "no quiescence within " + seconds(settings.quiescenceTimeout())
                : "quiescence after " + seconds(quiescence)));
        return ChaosReport.read(demo, stock(settings.orders()), settings, tally, quiescence, start);
    }

    /** Probabilistic rules on every phase, the kinds sharing the fault rate equally (rules are tried in turn). */
    private void arm() throws IOException, InterruptedException {
        double share = FAULT_RATE / KINDS.size();
        for (String phase : PHASES) {
            for (int k = 0; k < KINDS.size(); k++) {
                String kind = KINDS.get(k);
                demo.client.arm(phase, kind, 0, share / (1 - k * share), kind.equals("DELAYED") ? delays.get(phase) : 0);
            }
        }
    }

    private Void client() throws Exception {
        try {
            int i;
            while ((i = next()) >= 0) {
                Call call = calls.get(i);
                int done;
                try {
                    done = tally.answered(i, demo.client.placeOrder(ChaosReport.user(i), call.sku(), call.quantity()));
                } catch (IOException noAnswer) {
                    done = tally.answered(i, null);
                }
                if (done % Math.max(1, settings.orders() / 10) == 0) {
                    out.println("chaos: " + done + "/" + settings.orders() + " orders answered or cut off");
                }
            }
            return null;
        } catch (Exception e) {
            abort(e);
            throw e;
        }
    }

    private int next() throws InterruptedException {
        synchronized (lock) {
            while (failure == null && dispatched < settings.orders()
                    && (gateClosed || nextEvent < events.size() && events.get(nextEvent).at() <= dispatched)) {
                lock.wait();
            }
            if (failure != null || dispatched >= settings.orders()) {
                return -1;
            }
            lock.notifyAll();
            return dispatched++;
        }
    }

    private void playEvents() throws Exception {
        try {
            for (Event event : events) {
                synchronized (lock) {
                    while (dispatched < event.at() && failure == null) {
                        lock.wait();
                    }
                    nextEvent++;
                    lock.notifyAll();
                }
                if (failure != null) {
                    return;
                }
                play(event);
            }
        } catch (Exception e) {
            abort(e);
            throw e;
        }
    }

    private void play(Event event) throws Exception {
        switch (event.type()) {
            case KILL_ORDER -> {
                gate(true); // new orders wait; those in flight are cut off with the process
                tally.faults(demo.client.faultCounts()); // this process's counts die with it
                String killed = kill(demo.order, event);
                Thread.sleep(event.millis());
                Demo.restart(demo.order);
                arm();
                gate(false);
                tally.kill(demo.order.name(), killed);
            }
            case KILL_INVENTORY -> {
                long pid = demo.inventory.pid();
                demo.killInventory();
                String killed = "pid " + pid + " " + unfinished(event);
                Thread.sleep(event.millis()); // orders go on against the dead inventory
                gate(true);
                Demo.restart(demo.inventory);
                gate(false);
                tally.kill(demo.inventory.name(), killed);
            }
            case FREEZE -> {
                proxy.freeze();
                Thread.sleep(event.millis());
                proxy.unfreeze();
                tally.freeze(event.millis());
            }
            case CUT -> {
                int connections = proxy.getClientAddresses().size();
                proxy.closeAllPairs();
                tally.cut(connections);
            }
        }
        out.println("chaos: " + event + " done");
    }

    private String kill(ServiceProcess service, Event event) throws InterruptedException {
        long pid = service.pid();
        service.kill();
        return "pid " + pid + " " + unfinished(event);
    }

    /** What the kill caught in flight: the unfinished transactions, read right after it. */
    private String unfinished(Event event) {
        Map<String, Long> states = new TreeMap<>();
        demo.databases.orders().query("SELECT CONCAT(state, IF(attempts > 0, ' in recovery', '')), COUNT(*) FROM tcc_global"
                + " WHERE state NOT IN ('CONFIRMED', 'CANCELLED') GROUP BY 1", rs -> {
                    states.put(rs.getString(1), rs.getLong(2));
                });
        return event + " dead; unfinished just after the kill: " + (states.isEmpty() ? "none" : states);
    }

    private void gate(boolean closed) {
        synchronized (lock) {
            gateClosed = closed;
            lock.notifyAll();
        }
    }

    private void abort(Exception cause) {
        synchronized (lock) {
            if (failure == null && cause != null) {
                failure = cause;
            }
            gateClosed = false;
            lock.notifyAll();
        }
    }

    /** Until no transaction is unfinished, or only flagged ones are; null if the timeout passes first. */
    private Duration awaitQuiescence() throws InterruptedException {
        Instant start = Instant.now();
        Instant deadline = start.plus(settings.quiescenceTimeout());
        JdbcTemplate orders = demo.databases.orders();
        while (orders.queryForObject("SELECT COUNT(*) FROM tcc_global WHERE state NOT IN ('CONFIRMED', 'CANCELLED')"
                + " AND NOT needs_operator", Integer.class) > 0) {
            if (Instant.now().isAfter(deadline)) {
                return null;
            }
            Thread.sleep(500);
        }
        return Duration.between(start, Instant.now());
    }

    /** Kills both services, closes the proxy; the databases stay, or are dropped if the config says so. */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            close(demo, reactor, proxy);
        }
    }

    private static void close(Demo demo, NioReactor reactor, TcpCrusher proxy) {
        if (demo != null) {
            demo.close();
        }
        if (proxy != null) {
            proxy.close();
        }
        reactor.close();
    }

    static String seconds(Duration duration) {
        return String.format("%.1f s", duration.toMillis() / 1000.0);
    }

    /** What the client and the harness saw, as they saw it; {@link ChaosReport} adds what the databases hold. */
    static final class ChaosTally {
        /** Per order: its answer ("CONFIRMED", "CANCELLED", "HTTP 503", ...) or "no answer"; null if never sent. */
        final String[] answers;
        final Map<String, Map<String, Long>> faults = new TreeMap<>();
        final Map<String, List<String>> kills = new TreeMap<>();
        long refusedForStock;
        int freezes;
        long frozenMillis;
        int cuts;
        long connectionsCut;
        private int done;

        ChaosTally(int orders) {
            answers = new String[orders];
        }

        /** @param answer null when the call got none (the order service died under it); returns the calls done so far */
        synchronized int answered(int i, DemoClient.Answer answer) {
            if (answer == null) {
                answers[i] = "no answer";
            } else {
                answers[i] = answer.status() == 201 ? answer.text("state") : "HTTP " + answer.status();
                String reason = answer.status() == 201 ? answer.text("reason") : null;
                if (reason != null && reason.contains("not enough stock")) {
                    refusedForStock++;
                }
            }
            return ++done;
        }

        /** Adds one order process's fault counts, by phase and kind. */
        synchronized void faults(JsonNode counts) {
            counts.get("injectedByPhase").properties().forEach(phase -> phase.getValue().properties().forEach(kind ->
                    faults.computeIfAbsent(phase.getKey(), p -> new TreeMap<>()).merge(kind.getKey(), kind.getValue().asLong(),
                            Long::sum)));
        }

        synchronized void kill(String service, String what) {
            kills.computeIfAbsent(service, s -> new ArrayList<>()).add(what);
        }

        synchronized void freeze(long millis) {
            freezes++;
            frozenMillis += millis;
        }

        synchronized void cut(int connections) {
            cuts++;
            connectionsCut += connections;
        }
    }
}
