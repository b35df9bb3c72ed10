package io.tcc.demo.chaos;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * What a chaos run will do, drawn up front from one {@code Random(seed)}: the orders, the moment (which order is being
 * dispatched) and length of every event, the fault delays. A replay follows the same plan, not the same thread
 * interleaving.
 */
final class ChaosPlan {

    enum EventType { KILL_ORDER, KILL_INVENTORY, FREEZE, CUT, KILL_DATABASE_NODE }

    /**
     * At the dispatch of order {@code at}: the event; {@code millis} is how long a service stays dead or the link frozen;
     * {@code target} which instance, link or database node it hits (0-based), -1 where there is only one.
     */
    record Event(int at, EventType type, long millis, int target) {
        @Override
        public String toString() {
            return "at order " + at + ": " + type + (target >= 0 ? " #" + (target + 1) : "") + (millis > 0 ? " " + millis + " ms" : "");
        }
    }

    /**
     * What the events can hit: the instances of each service, the links, and the database nodes that may be killed
     * (0-based; none on a single server).
     */
    record Shape(int orderInstances, int inventoryInstances, int links, List<Integer> killableNodes) {
        static final Shape SINGLE = new Shape(1, 1, 1, List.of());

        int targets(EventType type) {
            return switch (type) {
                case KILL_ORDER -> orderInstances;
                case KILL_INVENTORY -> inventoryInstances;
                case FREEZE, CUT -> links;
                case KILL_DATABASE_NODE -> killableNodes.size();
            };
        }
    }

    record Call(String sku, int quantity) {
    }

    /** The share of the remote branch's calls a fault rule hits, over all kinds. */
    static final double FAULT_RATE = 0.30;
    static final List<String> PHASES = List.of("TRY", "CONFIRM", "CANCEL");
    static final List<String> KINDS = List.of("REQUEST_LOST", "RESPONSE_LOST", "DELAYED", "ERROR");
    private static final double[] STOCK_SHARE = {1.5, 0.6, 0.3, 0.1, 0.01};

    final List<Call> calls = new ArrayList<>();
    /** In the order they fire. */
    final List<Event> events = new ArrayList<>();
    /** Per phase: how late a DELAYED request is delivered. */
    final Map<String, Long> delays = new LinkedHashMap<>();
    private final int orders;

    ChaosPlan(Chaos.Settings settings, Shape shape) {
        this.orders = settings.orders();
        Random random = new Random(settings.seed());
        List<String> skus = List.copyOf(stock(orders).keySet());
        for (int i = 0; i < orders; i++) {
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
        // drawn after all the above, so a seed's plan on the single topology stays what it was before there were more
        if (!shape.killableNodes().isEmpty()) {
            plan(random, EventType.KILL_DATABASE_NODE, 1, 1_000, 5_000);
            events.sort(Comparator.comparingInt(Event::at));
        }
        // kills take the instances in turn from a random first one, so each instance dies; links are drawn each time
        Map<EventType, Integer> lastKilled = new EnumMap<>(EventType.class);
        for (int e = 0; e < events.size(); e++) {
            Event event = events.get(e);
            int targets = shape.targets(event.type());
            if (targets > 1 || event.type() == EventType.KILL_DATABASE_NODE) {
                int target = switch (event.type()) {
                    case KILL_ORDER, KILL_INVENTORY -> {
                        Integer last = lastKilled.get(event.type());
                        int next = last == null ? random.nextInt(targets) : (last + 1) % targets;
                        lastKilled.put(event.type(), next);
                        yield next;
                    }
                    case FREEZE, CUT -> random.nextInt(targets);
                    case KILL_DATABASE_NODE -> shape.killableNodes().get(random.nextInt(targets));
                };
                events.set(e, new Event(event.at(), event.type(), event.millis(), target));
            }
        }
    }

    /**
     * Five SKUs; each is asked for 0.4 units per order on average (quantities 1 to 3): the first has more than enough,
     * the others less and less, the last almost nothing, so many tries are refused for stock.
     */
    static Map<String, Integer> stock(int orders) {
        Map<String, Integer> stock = new LinkedHashMap<>();
        for (int i = 0; i < STOCK_SHARE.length; i++) {
            stock.put("SKU-" + (i + 1), Math.max(2, (int) Math.round(0.4 * orders * STOCK_SHARE[i])));
        }
        return stock;
    }

    private void plan(Random random, EventType type, int count, long minMillis, long maxMillis) {
        for (int i = 0; i < count; i++) {
            int at = orders / 20 + random.nextInt(orders * 17 / 20);
            events.add(new Event(at, type, minMillis + (maxMillis > minMillis ? random.nextLong(maxMillis - minMillis) : 0), -1));
        }
    }
}
