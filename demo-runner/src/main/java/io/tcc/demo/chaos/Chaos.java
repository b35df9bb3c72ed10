package io.tcc.demo.chaos;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.tcc.demo.Demo;
import io.tcc.demo.DemoClient;
import io.tcc.demo.ServiceProcess;
import io.tcc.test.Await;

/**
 * The chaos harness: orders from many client threads against the demo's service JVMs while, at random moments,
 * QA's fault points fire on about 30 % of the order service's calls to the inventory, a TCP proxy on the way freezes
 * or cuts its connections, and service instances (and, on Galera, a database node) are killed with SIGKILL and
 * restarted. Then recovery is left to reach quiescence and {@link ChaosReport} checks the outcome in both databases.
 *
 * <p>The parts: {@link Topology} is what runs (one instance of each service, or several behind HAProxy), {@link ChaosPlan}
 * draws everything up front from the seed (the order service's own fault draws use the same seed), {@link Dispatch}
 * lets each order go at its point of the plan, {@link FaultSchedule} makes the trouble, {@link ChaosTally} counts what
 * the clients and the harness saw.
 */
public final class Chaos implements AutoCloseable {

    /**
     * How big the run is; the numbers of kills, freezes and cuts grow with the orders. {@code asyncShare}: the share of
     * orders placed with asynchronous phase two ({@code POST /orders?phaseTwo=async}), 0 to 1.
     */
    public record Settings(int orders, long seed, int threads, Duration quiescenceTimeout, double asyncShare, int killsEach) {
        public Settings {
            if (!(asyncShare >= 0 && asyncShare <= 1)) {
                throw new IllegalArgumentException("the share of async orders (chaos.phaseTwo) is 0 to 1, was " + asyncShare);
            }
        }

        /** Each service killed once per 2,500 orders, at least once. */
        public static Settings of(int orders, long seed) {
            return new Settings(orders, seed, 8, Duration.ofMinutes(5), 0, Math.max(1, orders / 2500));
        }

        public Settings withAsyncShare(double share) {
            return new Settings(orders, seed, threads, quiescenceTimeout, share, killsEach);
        }

        /** How many times each service is killed (one instance at a time). */
        public Settings withKillsEach(int kills) {
            return new Settings(orders, seed, threads, quiescenceTimeout, asyncShare, kills);
        }

        /** Order {@code i} is placed asynchronously: spread evenly over the run, the same for every seed. */
        boolean async(int i) {
            return Math.floor((i + 1) * asyncShare) > Math.floor(i * asyncShare);
        }

        int tcpFaultsEach() {
            return Math.max(3, orders / 500);
        }
    }

    /** A call the balancer refused for want of an instance goes again, every 200 ms for at most a minute. */
    private static final int NO_INSTANCE_RETRIES = 300;

    private final Topology topology;
    private final Demo demo;
    private final Settings settings;
    private final PrintStream out;
    private final ChaosPlan plan;
    private final ChaosTally tally;
    private final Dispatch dispatch;
    private final FaultSchedule schedule;
    private boolean closed;

    /**
     * Creates the databases and opens the TCP proxy; {@link #run()} starts both services, the order service reaching
     * the inventory through the proxy and drawing its faults from the seed.
     */
    public static Chaos create(Demo.Config config, Settings settings, PrintStream out) throws IOException {
        return new Chaos(Topology.single(config, settings), settings, out);
    }

    /**
     * The same run on the scaled topology ({@link Topology#scaled}): several instances of each service behind HAProxy,
     * a recovery daemon, the database on one server or on Galera.
     */
    static Chaos scaled(Demo.Config config, Settings settings, Topology.Scale scale, PrintStream out) throws IOException {
        return new Chaos(Topology.scaled(config, settings, scale), settings, out);
    }

    private Chaos(Topology topology, Settings settings, PrintStream out) {
        this.topology = topology;
        this.demo = topology.demo;
        this.settings = settings;
        this.out = out;
        this.plan = new ChaosPlan(settings, topology.shape());
        this.tally = new ChaosTally(settings.orders());
        this.dispatch = new Dispatch(settings.orders(), plan.events);
        this.schedule = new FaultSchedule(topology, plan, dispatch, tally, out);
    }

    /** Plays the load and its events, waits for quiescence, then reads and checks both databases. */
    public ChaosReport run() throws Exception {
        out.println("chaos: starting " + demo.orders.stream().map(s -> s.name() + " (log " + s.log() + ")").toList() + " and "
                + demo.inventories.stream().map(s -> s.name() + " (log " + s.log() + ")").toList() + "; "
                + topology.describe());
        topology.start();
        Instant start = Instant.now();
        out.printf("chaos: seed %d, %d orders from %d threads, %d events: %s%n", settings.seed(), settings.orders(),
                settings.threads(), plan.events.size(), plan.events);
        schedule.arm();
        ExecutorService pool = Executors.newFixedThreadPool(settings.threads() + 1);
        try {
            List<Future<?>> clients = new ArrayList<>();
            for (int t = 0; t < settings.threads(); t++) {
                clients.add(pool.submit(() -> stopOnFailure(this::client)));
            }
            pool.submit(() -> stopOnFailure(schedule::play)).get();
            for (Future<?> client : clients) {
                client.get();
            }
        } finally {
            dispatch.abort(null);
            pool.shutdownNow();
            pool.awaitTermination(1, TimeUnit.MINUTES);
        }
        if (dispatch.failure() != null) {
            throw dispatch.failure();
        }
        for (ServiceProcess order : demo.orders) {
            DemoClient admin = demo.clientOf(order, demo.inventory);
            admin.disarm();
            tally.faults(admin.faultCounts());
        }
        out.println("chaos: load done (" + seconds(Duration.between(start, Instant.now())) + "); faults disarmed;"
                + " waiting for recovery to reach quiescence ...");
        Duration quiescence = awaitQuiescence();
        out.println("chaos: " + (quiescence == null ? "no quiescence within " + seconds(settings.quiescenceTimeout())
                : "quiescence after " + seconds(quiescence)));
        return ChaosReport.read(demo, ChaosPlan.stock(settings.orders()), settings, tally, quiescence, start,
                topology.describe(), topology.facts());
    }

    @FunctionalInterface
    private interface Work {
        void run() throws Exception;
    }

    /** The first failure of a client or of the schedule stops every other. */
    private Void stopOnFailure(Work work) throws Exception {
        try {
            work.run();
            return null;
        } catch (Exception e) {
            dispatch.abort(e);
            throw e;
        }
    }

    private void client() throws Exception {
        int i;
        while ((i = dispatch.next()) >= 0) {
            ChaosPlan.Call call = plan.calls.get(i);
            int done;
            try {
                DemoClient.Answer answer = place(i, call);
                for (int retry = 0; answer.fromBalancer() && answer.status() == 503 && retry < NO_INSTANCE_RETRIES; retry++) {
                    tally.noInstance();
                    Thread.sleep(200); // the balancer had no instance up: nothing was sent, so the call goes again later
                    answer = place(i, call);
                }
                done = tally.answered(i, answer);
            } catch (IOException noAnswer) {
                done = tally.answered(i, null);
            }
            if (done % Math.max(1, settings.orders() / 10) == 0) {
                out.println("chaos: " + done + "/" + settings.orders() + " orders answered or cut off");
            }
        }
    }

    private DemoClient.Answer place(int i, ChaosPlan.Call call) throws IOException, InterruptedException {
        String user = ChaosReport.user(i);
        DemoClient front = topology.front;
        return settings.async(i) ? front.placeOrderAsync(user, call.sku(), call.quantity())
                : front.placeOrder(user, call.sku(), call.quantity());
    }

    /** Until no transaction is unfinished, or only flagged ones are; null if the timeout passes first. */
    private Duration awaitQuiescence() {
        Instant start = Instant.now();
        try {
            Await.until("quiescence", settings.quiescenceTimeout(), () -> demo.databases.orders().queryForObject(
                    "SELECT COUNT(*) FROM tcc_global WHERE state NOT IN ('CONFIRMED', 'CANCELLED') AND NOT needs_operator",
                    Integer.class) == 0);
        } catch (AssertionError notReached) {
            return null;
        }
        return Duration.between(start, Instant.now());
    }

    /** Kills every service process, closes the proxies; the databases stay, or are dropped if the config says so. */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            topology.close();
        }
    }

    static String seconds(Duration duration) {
        return String.format("%.1f s", duration.toMillis() / 1000.0);
    }
}
