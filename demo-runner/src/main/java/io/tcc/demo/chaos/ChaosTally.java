package io.tcc.demo.chaos;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import io.tcc.demo.DemoClient;
import tools.jackson.databind.JsonNode;

/** What the client and the harness saw, as they saw it; {@link ChaosReport} adds what the databases hold. */
final class ChaosTally {
    /** What {@link #kills} counts: kill -9 of an instance of either service, or of a database node. */
    static final String ORDER = "order service";
    static final String INVENTORY = "inventory service";
    static final String DATABASE_NODE = "Galera node";

    /** Per order: its answer ("CONFIRMED", "CANCELLED", "HTTP 503", ...) or "no answer"; null if never sent. */
    final String[] answers;
    final Map<String, Map<String, Long>> faults = new TreeMap<>();
    final Map<String, List<String>> kills = new TreeMap<>();
    long refusedForStock;
    /** Calls the balancer refused for want of an instance, sent again. */
    long noInstance;
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

    synchronized void noInstance() {
        noInstance++;
    }

    /** Adds one order process's fault counts, by phase and kind. */
    synchronized void faults(JsonNode counts) {
        counts.get("injectedByPhase").properties().forEach(phase -> phase.getValue().properties().forEach(kind ->
                faults.computeIfAbsent(phase.getKey(), p -> new TreeMap<>()).merge(kind.getKey(), kind.getValue().asLong(),
                        Long::sum)));
    }

    /** @param what one of the constants above */
    synchronized void kill(String what, String killed) {
        kills.computeIfAbsent(what, s -> new ArrayList<>()).add(killed);
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
