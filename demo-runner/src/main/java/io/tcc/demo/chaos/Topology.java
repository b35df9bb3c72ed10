package io.tcc.demo.chaos;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

import org.netcrusher.core.reactor.NioReactor;
import org.netcrusher.tcp.TcpCrusher;
import org.netcrusher.tcp.TcpCrusherBuilder;

import io.tcc.demo.Balancer;
import io.tcc.demo.Demo;
import io.tcc.demo.DemoClient;
import io.tcc.demo.ServiceProcess;
import io.tcc.test.GaleraCluster;

/**
 * What a chaos run acts on. The single topology: one instance of each service, the order service reaching the
 * inventory through a TCP proxy (the link the harness freezes and cuts). The scaled one: several instances of each
 * behind HAProxy, the order instances reaching the inventory through the balancer (so the branch rows hold its
 * address), a TCP proxy between the balancer and each inventory instance (the links), recovery in every order instance
 * plus a standalone daemon, and the database on one server or a Galera cluster whose nodes the run may kill.
 */
final class Topology implements AutoCloseable {

    /** The scaled topology's shape; {@code servers}: the database servers the instances write through (Galera nodes). */
    record Scale(int orderInstances, int inventoryInstances, List<String> servers, GaleraCluster galera, Path daemonJar) {
        /** {@link Demo.Instances#spread}; the daemon writes through server 2. */
        Demo.Instances instances() {
            return Demo.Instances.spread(orderInstances, inventoryInstances, servers);
        }

        String server(int i) {
            return servers.get(i % servers.size());
        }

        /** "node 2" on Galera; nothing on one server. */
        String via(int i) {
            return galera == null ? "" : " via node " + (i % servers.size() + 1);
        }
    }

    final Demo demo;
    /** The TCP proxies the harness freezes and cuts. */
    final List<TcpCrusher> links;
    /** Where the clients send their orders: the order service, or the balancer in front of its instances. */
    final DemoClient front;
    /** The Galera cluster whose nodes the run may kill, or null. */
    final GaleraCluster galera;
    private final NioReactor reactor;
    private final Balancer balancer;
    private final String description;

    private Topology(Demo demo, List<TcpCrusher> links, DemoClient front, GaleraCluster galera, NioReactor reactor,
                     Balancer balancer, String description) {
        this.demo = demo;
        this.links = links;
        this.front = front;
        this.galera = galera;
        this.reactor = reactor;
        this.balancer = balancer;
        this.description = description;
    }

    /** One instance of each service, a TCP proxy between them. */
    static Topology single(Demo.Config config, Chaos.Settings settings) throws IOException {
        NioReactor reactor = new NioReactor();
        List<TcpCrusher> links = new ArrayList<>();
        Demo demo = null;
        try {
            demo = Demo.create(config, ChaosPlan.stock(settings.orders()), Demo.Instances.one(config),
                    ports -> "http://127.0.0.1:" + proxy(reactor, links, ports.get(0)), orderOptions(settings));
            return new Topology(demo, links, demo.client, null, reactor, null, "the order service reaches the"
                    + " inventory through a TCP proxy at " + links.get(0).getBindAddress());
        } catch (IOException | RuntimeException e) {
            close(demo, null, links, reactor);
            throw e;
        }
    }

    /** Several instances of each service behind HAProxy, a TCP proxy in front of each inventory instance, a daemon. */
    static Topology scaled(Demo.Config config, Chaos.Settings settings, Scale scale) throws IOException {
        Balancer.notRunReason().ifPresent(reason -> {
            throw new IllegalStateException("the scaled chaos run needs HAProxy: " + reason);
        });
        NioReactor reactor = new NioReactor();
        List<TcpCrusher> links = new ArrayList<>();
        Demo demo = null;
        Balancer balancer = null;
        try {
            int inventoryFront = Demo.freePort();
            int orderFront = Demo.freePort();
            demo = Demo.create(config, ChaosPlan.stock(settings.orders()), scale.instances(), ports -> {
                ports.forEach(port -> proxy(reactor, links, port));
                return "http://127.0.0.1:" + inventoryFront;
            }, orderOptions(settings));
            String orderUrl = "http://127.0.0.1:" + orderFront;
            ServiceProcess daemon = demo.addRecoveryDaemon(scale.daemonJar(), scale.server(1), orderUrl);
            balancer = Balancer.start(config.logDir(), List.of(
                    Balancer.Frontend.inventory(inventoryFront, links.stream().map(l -> l.getBindAddress().getPort()).toList()),
                    Balancer.Frontend.order(orderFront, demo.orders.stream().map(ServiceProcess::port).toList())));
            List<String> lines = new ArrayList<>();
            for (int i = 0; i < demo.orders.size(); i++) {
                lines.add(demo.orders.get(i).name() + scale.via(i));
            }
            for (int i = 0; i < demo.inventories.size(); i++) {
                lines.add(demo.inventories.get(i).name() + scale.via(i + 2));
            }
            lines.add("recovery in every order instance and in " + daemon.name() + scale.via(1));
            String description = String.join(", ", lines) + "; HAProxy (log " + balancer.log() + ") serves the order"
                    + " service at " + orderUrl + " and the inventory at " + balancer.url("inventory") + ", a TCP proxy"
                    + " between it and each inventory instance; database: " + (scale.galera() == null
                    ? "one server, " + config.serverUrl() : scale.galera().origin());
            return new Topology(demo, links, demo.clientAt(orderUrl, balancer.url("inventory")), scale.galera(), reactor,
                    balancer, description);
        } catch (IOException | RuntimeException e) {
            close(demo, balancer, links, reactor);
            throw e;
        }
    }

    private static List<String> orderOptions(Chaos.Settings settings) {
        return List.of("--tcc.http.faults.seed=" + settings.seed());
    }

    /** A TCP proxy to {@code port} on a port of its own; returns that port. */
    private static int proxy(NioReactor reactor, List<TcpCrusher> links, int port) {
        try {
            int proxyPort = Demo.freePort();
            links.add(TcpCrusherBuilder.builder().withReactor(reactor).withBindAddress("127.0.0.1", proxyPort)
                    .withConnectAddress("127.0.0.1", port).buildAndOpen());
            return proxyPort;
        } catch (IOException e) {
            throw new IllegalStateException("cannot open a TCP proxy to port " + port + ": " + e.getMessage(), e);
        }
    }

    ChaosPlan.Shape shape() {
        return new ChaosPlan.Shape(demo.orders.size(), demo.inventories.size(), links.size(),
                galera == null ? List.of() : List.of(1, 2)); // node 1 holds the harness's own reads: never killed
    }

    /** Starts every process and waits until all answer (and, behind a balancer, until it has taken all in). */
    void start() throws IOException, InterruptedException {
        demo.start();
        if (balancer != null) {
            balancer.awaitAllUp(Duration.ofMinutes(1));
        }
    }

    String describe() {
        return description;
    }

    /** What the report adds about the topology once the run is over: the balancer's counts, Quartz's nodes, Galera's state. */
    List<String> facts() throws IOException, InterruptedException {
        List<String> facts = new ArrayList<>();
        if (balancer != null) {
            for (Balancer.ServerStats s : balancer.stats()) {
                facts.add(ChaosReport.line(facts.isEmpty() ? "balancer (HAProxy)" : "", String.format("%-12s %s: %d"
                        + " requests, %d retried on connect, %d sent to another instance, %d answered 5xx, taken out %d"
                        + " times", s.server(), s.status(), s.requests(), s.retries(), s.redispatches(), s.errors5xx(),
                        s.takenOut())));
            }
            facts.add(ChaosReport.line("Quartz cluster", demo.databases.orders().queryForList("SELECT CONCAT(INSTANCE_NAME, ' checked in ',"
                    + " ROUND((UNIX_TIMESTAMP(NOW(3)) * 1000 - LAST_CHECKIN_TIME) / 1000), ' s ago') FROM QRTZ_SCHEDULER_STATE"
                    + " ORDER BY INSTANCE_NAME", String.class).stream().collect(Collectors.joining("; "))));
        }
        if (galera != null) {
            Map<String, Long> conflicts = new TreeMap<>();
            List<String> nodes = new ArrayList<>();
            for (int n = 0; n < galera.size(); n++) {
                nodes.add("node " + (n + 1) + " " + galera.status(n, "wsrep_local_state_comment").orElse("not answering")
                        + ", cluster size " + galera.status(n, "wsrep_cluster_size").orElse("?"));
                for (String counter : List.of("wsrep_local_cert_failures", "wsrep_local_bf_aborts")) {
                    conflicts.merge(counter, galera.status(n, counter).map(Long::parseLong).orElse(0L), Long::sum);
                }
            }
            facts.add(ChaosReport.line("Galera at the end", String.join("; ", nodes)));
            facts.add(ChaosReport.line("Galera conflicts", conflicts.entrySet().stream().map(e -> e.getKey() + " "
                    + e.getValue()).collect(Collectors.joining(", ")) + " (summed over the nodes, each since its start)"));
        }
        return facts;
    }

    @Override
    public void close() {
        close(demo, balancer, links, reactor);
    }

    private static void close(Demo demo, Balancer balancer, List<TcpCrusher> links, NioReactor reactor) {
        if (demo != null) {
            demo.close();
        }
        if (balancer != null) {
            balancer.close();
        }
        links.forEach(TcpCrusher::close);
        reactor.close();
    }
}
