package io.tcc.demo.chaos;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

import org.netcrusher.tcp.TcpCrusher;

import io.tcc.demo.Demo;
import io.tcc.demo.DemoClient;
import io.tcc.demo.ServiceProcess;

/**
 * The trouble a chaos run makes: QA's fault rules armed on the order service's calls to the inventory, and the planned
 * events played at their moment: kill -9 of a service instance and its restart, freezes and cuts of a TCP proxy, and
 * on Galera kill -9 of a database node and its rejoin.
 */
final class FaultSchedule {

    private final Topology topology;
    private final Demo demo;
    private final ChaosPlan plan;
    private final Dispatch dispatch;
    private final ChaosTally tally;
    private final PrintStream out;

    FaultSchedule(Topology topology, ChaosPlan plan, Dispatch dispatch, ChaosTally tally, PrintStream out) {
        this.topology = topology;
        this.demo = topology.demo;
        this.plan = plan;
        this.dispatch = dispatch;
        this.tally = tally;
        this.out = out;
    }

    /** The fault rules on every order instance. */
    void arm() throws IOException, InterruptedException {
        for (ServiceProcess order : demo.orders) {
            arm(order);
        }
    }

    /** Probabilistic rules on every phase, the kinds sharing the fault rate equally (rules are tried in turn). */
    private void arm(ServiceProcess order) throws IOException, InterruptedException {
        DemoClient admin = admin(order);
        double share = ChaosPlan.FAULT_RATE / ChaosPlan.KINDS.size();
        for (String phase : ChaosPlan.PHASES) {
            for (int k = 0; k < ChaosPlan.KINDS.size(); k++) {
                String kind = ChaosPlan.KINDS.get(k);
                admin.arm(phase, kind, 0, share / (1 - k * share), kind.equals("DELAYED") ? plan.delays.get(phase) : 0);
            }
        }
    }

    private DemoClient admin(ServiceProcess order) {
        return demo.clientOf(order, demo.inventory);
    }

    /** Plays each event when the load reaches it; stops when the run fails. */
    void play() throws Exception {
        for (ChaosPlan.Event event : plan.events) {
            if (!dispatch.reached(event)) {
                return;
            }
            play(event);
        }
    }

    // The sleeps below are the events themselves: how long a service stays dead or the link frozen, as planned.
    // New orders wait only while no instance of the killed service is up: behind a balancer the others take them.
    private void play(ChaosPlan.Event event) throws Exception {
        switch (event.type()) {
            case KILL_ORDER -> {
                ServiceProcess order = demo.orders.get(Math.max(0, event.target()));
                boolean alone = demo.orders.size() == 1;
                dispatch.gate(alone); // those in flight on it are cut off with the process
                tally.faults(admin(order).faultCounts()); // this process's counts die with it
                String killed = kill(order, event);
                Thread.sleep(event.millis());
                Demo.restart(order);
                arm(order);
                dispatch.gate(false);
                tally.kill(ChaosTally.ORDER, killed);
            }
            case KILL_INVENTORY -> {
                ServiceProcess inventory = demo.inventories.get(Math.max(0, event.target()));
                long pid = inventory.pid();
                demo.killInventory(inventory);
                String killed = inventory.name() + " pid " + pid + " " + unfinished(event);
                Thread.sleep(event.millis()); // orders go on against the dead instance
                dispatch.gate(demo.inventories.size() == 1);
                Demo.restart(inventory);
                dispatch.gate(false);
                tally.kill(ChaosTally.INVENTORY, killed);
            }
            case FREEZE -> {
                TcpCrusher link = link(event);
                link.freeze();
                Thread.sleep(event.millis());
                link.unfreeze();
                tally.freeze(event.millis());
            }
            case CUT -> {
                TcpCrusher link = link(event);
                int connections = link.getClientAddresses().size();
                link.closeAllPairs();
                tally.cut(connections);
            }
            case KILL_DATABASE_NODE -> {
                topology.galera.kill(event.target());
                String killed = "node " + (event.target() + 1) + " " + unfinished(event);
                Thread.sleep(event.millis()); // the instances writing through it fail meanwhile
                Instant restarted = Instant.now();
                String transfer = topology.galera.rejoin(event.target());
                tally.kill(ChaosTally.DATABASE_NODE, killed + "; rejoined by " + transfer + ", Synced "
                        + Chaos.seconds(Duration.between(restarted, Instant.now())) + " after its restart");
            }
        }
        out.println("chaos: " + event + " done");
    }

    private TcpCrusher link(ChaosPlan.Event event) {
        return topology.links.get(Math.max(0, event.target()));
    }

    private String kill(ServiceProcess service, ChaosPlan.Event event) throws InterruptedException {
        long pid = service.pid();
        service.kill();
        return service.name() + " pid " + pid + " " + unfinished(event);
    }

    /** What the kill caught in flight: the unfinished transactions, read right after it. */
    private String unfinished(ChaosPlan.Event event) {
        Map<String, Long> states = new TreeMap<>();
        demo.databases.orders().query("SELECT CONCAT(state, IF(attempts > 0, ' in recovery', '')), COUNT(*) FROM tcc_global"
                + " WHERE state NOT IN ('CONFIRMED', 'CANCELLED') GROUP BY 1", rs -> {
                    states.put(rs.getString(1), rs.getLong(2));
                });
        return event + " dead; unfinished just after the kill: " + (states.isEmpty() ? "none" : states);
    }
}
