package io.tcc.demo.chaos;

import java.io.IOException;
import java.io.PrintStream;
import java.util.Map;
import java.util.TreeMap;

import org.netcrusher.tcp.TcpCrusher;

import io.tcc.demo.Demo;
import io.tcc.demo.ServiceProcess;

/**
 * The trouble a chaos run makes: QA's fault rules armed on the order service's calls to the inventory, and the planned
 * events played at their moment: kill -9 of either service and its restart, freezes and cuts of the TCP proxy.
 */
final class FaultSchedule {

    private final Demo demo;
    private final TcpCrusher proxy;
    private final ChaosPlan plan;
    private final Dispatch dispatch;
    private final ChaosTally tally;
    private final PrintStream out;

    FaultSchedule(Demo demo, TcpCrusher proxy, ChaosPlan plan, Dispatch dispatch, ChaosTally tally, PrintStream out) {
        this.demo = demo;
        this.proxy = proxy;
        this.plan = plan;
        this.dispatch = dispatch;
        this.tally = tally;
        this.out = out;
    }

    /** Probabilistic rules on every phase, the kinds sharing the fault rate equally (rules are tried in turn). */
    void arm() throws IOException, InterruptedException {
        double share = ChaosPlan.FAULT_RATE / ChaosPlan.KINDS.size();
        for (String phase : ChaosPlan.PHASES) {
            for (int k = 0; k < ChaosPlan.KINDS.size(); k++) {
                String kind = ChaosPlan.KINDS.get(k);
                demo.client.arm(phase, kind, 0, share / (1 - k * share), kind.equals("DELAYED") ? plan.delays.get(phase) : 0);
            }
        }
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
    private void play(ChaosPlan.Event event) throws Exception {
        switch (event.type()) {
            case KILL_ORDER -> {
                dispatch.gate(true); // new orders wait; those in flight are cut off with the process
                tally.faults(demo.client.faultCounts()); // this process's counts die with it
                String killed = kill(demo.order, event);
                Thread.sleep(event.millis());
                Demo.restart(demo.order);
                arm();
                dispatch.gate(false);
                tally.kill(demo.order.name(), killed);
            }
            case KILL_INVENTORY -> {
                long pid = demo.inventory.pid();
                demo.killInventory();
                String killed = "pid " + pid + " " + unfinished(event);
                Thread.sleep(event.millis()); // orders go on against the dead inventory
                dispatch.gate(true);
                Demo.restart(demo.inventory);
                dispatch.gate(false);
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

    private String kill(ServiceProcess service, ChaosPlan.Event event) throws InterruptedException {
        long pid = service.pid();
        service.kill();
        return "pid " + pid + " " + unfinished(event);
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
