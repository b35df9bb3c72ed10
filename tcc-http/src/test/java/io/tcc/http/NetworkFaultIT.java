package io.tcc.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.netcrusher.core.reactor.NioReactor;
import org.netcrusher.tcp.TcpCrusher;
import org.netcrusher.tcp.TcpCrusherBuilder;

import io.tcc.context.TransactionContext;
import io.tcc.fence.FenceState;
import io.tcc.global.GlobalState;
import io.tcc.interception.TccTemplate;
import io.tcc.test.Await;

/**
 * The same guarantees under real TCP faults: a NetCrusher proxy sits between the order service and the inventory
 * service, and is frozen or cut in the middle of a call.
 */
class NetworkFaultIT extends TwoServices {

    private NioReactor reactor;
    private TcpCrusher crusher;
    private OrderApp.InventoryClient throughProxy;

    @BeforeEach
    void openProxy() throws IOException {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        int inventoryPort = Integer.parseInt(inventory.getEnvironment().getProperty("local.server.port"));
        reactor = new NioReactor();
        crusher = TcpCrusherBuilder.builder().withReactor(reactor).withBindAddress("127.0.0.1", port)
                .withConnectAddress("127.0.0.1", inventoryPort).buildAndOpen();
        throughProxy = order.getBean(RemoteParticipants.class).create(OrderApp.InventoryClient.class, "http://127.0.0.1:" + port);
    }

    @AfterEach
    void closeProxy() {
        crusher.close();
        reactor.close();
    }

    private String place(String sku, int quantity, String[] xid) throws Exception {
        return order.getBean(TccTemplate.class).execute("through-proxy", Duration.ofSeconds(10), () -> {
            xid[0] = TransactionContext.current().xid();
            return throughProxy.reserve(sku, quantity);
        });
    }

    /** Drives phase two again, as recovery does, until the transaction is finished; returns its final state. */
    private GlobalState finish(String xid) {
        Await.until(xid + " finished by phase two driven again", Duration.ofSeconds(10),
                () -> coordinator().phaseTwo().resume(xid).orElseThrow().isFinished());
        return coordinator().log().find(xid).orElseThrow().state();
    }

    @Test
    void aFrozenLinkMakesTheTryUnknownAndTheTransactionStillEndsExactlyRight() throws Exception {
        crusher.freeze();
        CompletableFuture<Void> thaw = CompletableFuture.runAsync(crusher::unfreeze,
                CompletableFuture.delayedExecutor(1500, TimeUnit.MILLISECONDS));
        String[] xid = new String[1];

        RemoteBranchException e = assertThrows(RemoteBranchException.class, () -> place(sku, 2, xid));

        assertEquals(Outcome.UNKNOWN, e.result().outcome(), e.getMessage());
        thaw.get(5, TimeUnit.SECONDS); // whatever the frozen link held is delivered now, late
        assertEquals(GlobalState.CANCELLED, finish(xid[0]));
        assertEquals(FenceState.CANCELLED, participantFence(xid[0]).state());
        assertArrayEquals(new int[] {10, 0, 0}, stock(sku), "released or never frozen, never left frozen");
    }

    @Test
    void aLinkCutWhileTheParticipantWorksIsUnknownNotAFailure() throws Exception {
        String slow = "slow-" + UUID.randomUUID();
        inventoryDb.jdbc().update("INSERT INTO stock (sku, available, frozen, sold) VALUES (?, 10, 0, 0)", slow);
        CompletableFuture<Void> cut = CompletableFuture.runAsync(crusher::closeAllPairs,
                CompletableFuture.delayedExecutor(200, TimeUnit.MILLISECONDS));
        String[] xid = new String[1];

        RemoteBranchException e = assertThrows(RemoteBranchException.class, () -> place(slow, 3, xid));

        cut.get(5, TimeUnit.SECONDS);
        assertEquals(Outcome.UNKNOWN, e.result().outcome(), e.getMessage());
        assertTrue(e.result().detail().contains("after sending"), e.result().detail());
        assertEquals(GlobalState.CANCELLED, finish(xid[0]));
        assertEquals(FenceState.CANCELLED, participantFence(xid[0]).state());
        assertTrue(!participantFence(xid[0]).emptyCancel(), "the try ran on the participant despite the cut; its cancel released it");
        assertArrayEquals(new int[] {10, 0, 0}, stock(slow));
    }
}
