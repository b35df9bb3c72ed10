package io.tcc.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.Test;

import io.tcc.test.Await;

/**
 * Hundreds of slow, unsigned request bodies against the participant endpoints while orders flow: the participant
 * authenticates each call from its headers before reading its body, so the attack costs it one short answer per
 * connection, and neither orders nor its other endpoints slow down.
 */
class SlowBodyAttackIT extends TwoServices {

    /** More slow connections at once than Tomcat has request threads (200): enough to starve a server that waits. */
    private static final int ATTACKERS = 250;
    private static final Duration PHASE = Duration.ofSeconds(5);
    private static final int ORDER_THREADS = 2;
    private static final Duration RECONNECT_PAUSE = Duration.ofSeconds(1);

    @Test
    void slowUnsignedBodiesNeitherSlowOrdersNorWriteAnythingNorStarveOtherEndpoints() throws Exception {
        String stocked = "sku-attack-" + System.nanoTime();
        inventoryDb.jdbc().update("INSERT INTO stock (sku, available, frozen, sold) VALUES (?, 1000000, 0, 0)", stocked);

        ordersPlacedDuring(Duration.ofSeconds(2), stocked); // warm-up, so the baseline is not the slower of the two
        int baseline = ordersPlacedDuring(PHASE, stocked);

        AtomicBoolean attacking = new AtomicBoolean(true);
        AtomicInteger connections = new AtomicInteger();
        AtomicInteger refusedAt401 = new AtomicInteger();
        ExecutorService attackers = Executors.newFixedThreadPool(ATTACKERS);
        List<Future<?>> running = new ArrayList<>();
        for (int i = 0; i < ATTACKERS; i++) {
            int attacker = i;
            running.add(attackers.submit(() -> attack(attacker, attacking, connections, refusedAt401)));
        }
        int underAttack;
        long slowestOtherCall;
        try {
            Await.until("the attackers to connect", Duration.ofSeconds(10), () -> connections.get() >= ATTACKERS);
            long start = System.nanoTime();
            HttpResponse<String> stockLevel = http.send(HttpRequest.newBuilder(URI.create(inventoryUrl + "/stock/" + stocked))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            slowestOtherCall = (System.nanoTime() - start) / 1_000_000;
            assertEquals(200, stockLevel.statusCode(), stockLevel.body());
            underAttack = ordersPlacedDuring(PHASE, stocked);
        } finally {
            attacking.set(false);
            for (Future<?> attacker : running) {
                attacker.get();
            }
            attackers.shutdown();
        }

        System.out.printf("slow-body attack: %d orders in %s without, %d with %d slow unsigned connections"
                        + " (%d opened, %d answered 401); GET /stock took %d ms under attack%n",
                baseline, PHASE, underAttack, ATTACKERS, connections.get(), refusedAt401.get(), slowestOtherCall);
        assertTrue(underAttack >= 0.8 * baseline, "order throughput under attack " + underAttack + " < 80% of " + baseline);
        assertTrue(refusedAt401.get() >= ATTACKERS, "every attacker got its 401 without sending its body: "
                + refusedAt401.get());
        assertEquals(0, inventoryDb.jdbc().queryForObject("SELECT COUNT(*) FROM tcc_fence WHERE xid LIKE 'attack-%'",
                Integer.class), "the attacker wrote nothing");
        Await.until("every transaction to finish", Duration.ofSeconds(30), () -> orderDb.jdbc().queryForObject(
                "SELECT COUNT(*) FROM tcc_global WHERE state NOT IN ('CONFIRMED', 'CANCELLED')", Integer.class) == 0);
        int[] stock = stock(stocked);
        assertEquals(0, stock[1], "nothing frozen");
        assertEquals(1_000_000, stock[0] + stock[2], "every unit is available or sold once");
    }

    /** Orders placed (confirmed) by {@link #ORDER_THREADS} clients in a row during {@code phase}. */
    private int ordersPlacedDuring(Duration phase, String sku) throws Exception {
        long end = System.nanoTime() + phase.toNanos();
        AtomicInteger placed = new AtomicInteger();
        ExecutorService clients = Executors.newFixedThreadPool(ORDER_THREADS);
        List<Future<?>> running = new ArrayList<>();
        for (int i = 0; i < ORDER_THREADS; i++) {
            running.add(clients.submit(() -> {
                while (System.nanoTime() - end < 0) {
                    try {
                        orders().place(sku, 1);
                        placed.incrementAndGet();
                    } catch (RuntimeException cancelled) {
                        // not placed (a try that timed out on a busy machine, say): it does not count
                    }
                }
            }));
        }
        for (Future<?> client : running) {
            client.get();
        }
        clients.shutdown();
        return placed.get();
    }

    /**
     * One attacker: a branch call's headers without a signature, then its body a byte every 200 ms; when the
     * participant closes the connection, another one a second later (a slow attack, not a connection flood), until the
     * attack ends.
     */
    private Void attack(int attacker, AtomicBoolean attacking, AtomicInteger connections, AtomicInteger refusedAt401)
            throws IOException {
        int port = Integer.parseInt(inventoryUrl.substring(inventoryUrl.lastIndexOf(':') + 1));
        while (attacking.get()) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
                connections.incrementAndGet();
                OutputStream out = socket.getOutputStream();
                out.write(("POST /tcc/reserve-stock/try HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                        + "Content-Length: 16000\r\nTcc-Xid: attack-" + attacker + "\r\nTcc-Branch: 1\r\n"
                        + "Tcc-Deadline: " + (System.currentTimeMillis() + 600_000) + "\r\n\r\n[")
                        .getBytes(StandardCharsets.US_ASCII));
                out.flush();
                InputStream in = socket.getInputStream();
                socket.setSoTimeout(200);
                StringBuilder answer = new StringBuilder();
                while (attacking.get()) {
                    try {
                        int b = in.read();
                        if (b < 0) {
                            break; // the participant closed the connection
                        }
                        answer.append((char) b);
                        if (answer.length() == 12 && answer.toString().equals("HTTP/1.1 401")) {
                            refusedAt401.incrementAndGet();
                        }
                    } catch (java.net.SocketTimeoutException slow) {
                        out.write('1'); // one more byte of the body, 200 ms after the last
                        out.flush();
                    }
                }
            } catch (IOException closed) {
                // reset by the participant
            }
            LockSupport.parkNanos(RECONNECT_PAUSE.toNanos());
        }
        return null;
    }
}
