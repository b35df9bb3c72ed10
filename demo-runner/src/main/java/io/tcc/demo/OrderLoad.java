package io.tcc.demo;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The scenario's orders: a batch placed from several threads, or one order at a time. SKUs and quantities come from
 * one {@code Random(42)}, so every run places the same orders.
 */
final class OrderLoad {

    /** What a batch does once enough of its orders are answered: a kill, say. */
    @FunctionalInterface
    interface Act {
        void run() throws Exception;
    }

    private record OrderCall(String user, String sku, int quantity) {
    }

    private static final List<String> SKUS = List.of("BOOK-1", "MUG-2", "LAMP-3");

    private final DemoClient client;
    private final int concurrency;
    private final ProgressLine progress;
    private final Random random = new Random(42);

    OrderLoad(DemoClient client, int concurrency, ProgressLine progress) {
        this.client = client;
        this.concurrency = concurrency;
        this.progress = progress;
    }

    /** Places {@code count} orders from the threads; after {@code actAfter} answers it runs {@code act} once. */
    List<DemoClient.Answer> batch(String userPrefix, int count, int actAfter, Act act) throws Exception {
        List<OrderCall> calls = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            calls.add(new OrderCall(userPrefix + "-" + (1 + i % 5), sku(), quantity()));
        }
        ExecutorService pool = Executors.newFixedThreadPool(concurrency);
        try {
            AtomicInteger answered = new AtomicInteger();
            CountDownLatch enough = new CountDownLatch(actAfter);
            List<Future<DemoClient.Answer>> futures = new ArrayList<>();
            for (OrderCall call : calls) {
                futures.add(pool.submit(() -> {
                    DemoClient.Answer answer = client.placeOrder(call.user(), call.sku(), call.quantity());
                    enough.countDown();
                    progress.advance(answered.incrementAndGet() + "/" + calls.size());
                    return answer;
                }));
            }
            if (act != null) {
                if (!enough.await(2, TimeUnit.MINUTES)) {
                    throw new IllegalStateException("fewer than " + actAfter + " orders were answered within 2 minutes");
                }
                act.run();
            }
            List<DemoClient.Answer> answers = new ArrayList<>();
            for (Future<DemoClient.Answer> future : futures) {
                answers.add(future.get(2, TimeUnit.MINUTES));
            }
            return answers;
        } finally {
            pool.shutdownNow();
        }
    }

    /** One order of a random SKU and quantity. */
    DemoClient.Answer one(String user) throws IOException, InterruptedException {
        return client.placeOrder(user, sku(), quantity());
    }

    /** The answers by state ("CONFIRMED", "CANCELLED", or "HTTP 500" for one that is not a 201). */
    static Map<String, Integer> tally(List<DemoClient.Answer> answers) {
        Map<String, Integer> states = new TreeMap<>();
        for (DemoClient.Answer answer : answers) {
            states.merge(answer.status() == 201 ? answer.text("state") : "HTTP " + answer.status(), 1, Integer::sum);
        }
        return states;
    }

    private String sku() {
        return SKUS.get(random.nextInt(SKUS.size()));
    }

    private int quantity() {
        return 1 + random.nextInt(3);
    }
}
