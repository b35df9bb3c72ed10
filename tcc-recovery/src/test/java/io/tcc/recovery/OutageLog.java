package io.tcc.recovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;

import io.tcc.context.TransactionContext;
import io.tcc.global.Coordinator;
import io.tcc.global.CrashPoints;
import io.tcc.global.GlobalRecord;
import io.tcc.global.GlobalState;
import io.tcc.test.Await;

/**
 * The log an operator would find after an inventory outage and two initiators that died mid-transaction, written
 * through the service's own Coordinator: two confirms flagged because the inventory is unreachable, two transactions
 * whose initiator died before deciding (one named so that it would run script if rendered as HTML), one finished.
 */
final class OutageLog {

    /** A name that would run script if the page rendered data as HTML. */
    static final String HOSTILE_NAME = "place-order <img src=x onerror=\"window.injected=1\">";

    final String inventoryUrl;
    final String flagged;
    final String flaggedToRetry;
    final String stuck;
    final String stuckToCancel;
    final String finished;

    private final Coordinator coordinator;
    private final Operations operations;

    private OutageLog(Coordinator coordinator, Operations operations, Recovery recovery, HttpClient http,
                      Duration wait) throws Throwable {
        this.coordinator = coordinator;
        this.operations = operations;
        inventoryUrl = "http://127.0.0.1:" + closedPort();
        coordinator.participants().add(new UnreachableParticipant(http));
        coordinator.participants().add(new AnsweringParticipant());

        stuck = diedBeforeDeciding(HOSTILE_NAME);
        stuckToCancel = diedBeforeDeciding("place-order");
        finished = coordinator.execute("post-payment", Duration.ofSeconds(30), () -> {
            coordinator.tryBranch("ledger", "post-entry", null, (key, deadline) -> "posted");
            return TransactionContext.current().xid();
        });
        flagged = decidedWhileInventoryIsDown();
        flaggedToRetry = decidedWhileInventoryIsDown();

        Await.until("recovery to flag both confirms that cannot reach the inventory", wait, () -> {
            recovery.runOnce();
            return logged(flagged).needsOperator() && logged(flaggedToRetry).needsOperator();
        });
        assertThat(logged(finished).state()).isEqualTo(GlobalState.CONFIRMED);
        assertThat(logged(stuck).state()).isEqualTo(GlobalState.TRYING);
        // their one-second deadline passes in real time: the page compares it with the browser's clock
        Await.until("the stuck transactions' deadline to pass", wait, () -> Instant.now().isAfter(logged(stuck).deadline())
                && Instant.now().isAfter(logged(stuckToCancel).deadline()));
    }

    static OutageLog seed(Coordinator coordinator, Operations operations, Recovery recovery, HttpClient http,
                          Duration wait) throws Throwable {
        return new OutageLog(coordinator, operations, recovery, http, wait);
    }

    GlobalRecord logged(String xid) {
        return operations.show(xid).orElseThrow().transaction();
    }

    boolean isDue(String xid) {
        return coordinator.log().findDue(1000).contains(xid);
    }

    /** An initiator that registered its inventory branch, got its try through, and died before the decision. */
    private String diedBeforeDeciding(String name) {
        return diedBeforeDeciding(coordinator, name, "inventory", inventoryUrl);
    }

    /**
     * An initiator that registered a branch of {@code participant} (at {@code endpoint}, or in-process for null), got its
     * try through, and died before the decision; its deadline is a second away.
     */
    static String diedBeforeDeciding(Coordinator coordinator, String name, String participant, String endpoint) {
        AtomicReference<String> xid = new AtomicReference<>();
        assertThatThrownBy(() -> coordinator.execute(name, Duration.ofSeconds(1), () -> {
            xid.set(TransactionContext.current().xid());
            coordinator.tryBranch(participant, "reserve-stock", endpoint, (key, deadline) -> "reserved");
            throw new CrashPoints.SimulatedCrash(CrashPoints.Point.BEFORE_DECISION, xid.get());
        })).isInstanceOf(CrashPoints.SimulatedCrash.class);
        return xid.get();
    }

    /** Every try succeeded, so it is decided CONFIRM; then the inventory went down before its confirm. */
    private String decidedWhileInventoryIsDown() throws Throwable {
        return coordinator.execute("place-order", Duration.ofSeconds(30), () -> {
            coordinator.tryBranch("inventory", "reserve-stock", inventoryUrl, (key, deadline) -> "reserved");
            return TransactionContext.current().xid();
        });
    }

    /** A port nothing listens on: bound once by us, then released. */
    static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
