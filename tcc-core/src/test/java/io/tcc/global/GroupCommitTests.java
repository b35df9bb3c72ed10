package io.tcc.global;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;

import io.tcc.Timing;
import io.tcc.context.TransactionContext;
import io.tcc.test.CountingDataSource;
import io.tcc.test.DatabaseKind;
import io.tcc.test.TestDatabase;

/**
 * Group commit of the global log on a real database: concurrent transactions' registrations and decisions share
 * commits (a linger of 10 ms gathers threads released together), and each keeps its own check and its own answer.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class GroupCommitTests {

    private static final int CLIENTS = 8;

    private TestDatabase logDatabase;
    private StockParticipant participant;
    private CountingDataSource logData;
    private Coordinator coordinator;
    private final ExecutorService clients = Executors.newFixedThreadPool(CLIENTS * 2);
    private String sku;

    abstract DatabaseKind kind();

    @BeforeAll
    void wire() {
        logDatabase = TestDatabase.create(kind(), "group_log").applySchema("global.sql");
        participant = new StockParticipant(TestDatabase.create(kind(), "group_part").applySchema("fence.sql")
                .run("tcc-test/stock.sql"));
        logData = new CountingDataSource(logDatabase.dataSource());
        CoordinatorConfig config = CoordinatorConfig.custom().xidPrefix("group")
                .timing(Timing.custom().recoveryMargin(Duration.ofMillis(1)).build())
                .groupCommitLinger(Duration.ofMillis(10)).groupCommitMaxBatch(64).build();
        coordinator = new Coordinator(logData, new DataSourceTransactionManager(logData), config, participant.local);
    }

    @BeforeEach
    void newSku() {
        sku = "sku-" + UUID.randomUUID();
        participant.stock(sku, 100);
    }

    @AfterAll
    void close() {
        clients.shutdownNow();
        coordinator.close();
        logDatabase.close();
        participant.database.close();
    }

    @Test
    void concurrentRegistrationsShareCommitsAndTheRefusedOnesAloneAreRefused() throws Exception {
        CyclicBarrier together = new CyclicBarrier(CLIENTS);
        List<Future<String>> placed = new ArrayList<>();
        List<String> xids = new ArrayList<>(java.util.Collections.nCopies(CLIENTS, null));
        int before = logData.commits();
        for (int i = 0; i < CLIENTS; i++) {
            int client = i;
            placed.add(clients.submit(() -> run(() -> coordinator.execute("group-" + client, Duration.ofSeconds(30), () -> {
                String xid = TransactionContext.current().xid();
                xids.set(client, xid);
                reserve(1);
                if (client % 2 == 1) {
                    coordinator.phaseTwo().decideCancel(xid); // an operator decides first: its next registration is refused
                }
                together.await(30, TimeUnit.SECONDS); // the second registrations arrive together
                return reserve(1);
            }))));
        }
        for (Future<String> each : placed) {
            try {
                each.get(60, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException refused) {
                // looked at below
            }
        }
        int commits = logData.commits() - before;
        for (int i = 0; i < CLIENTS; i++) {
            String xid;
            if (i % 2 == 0) {
                assertEquals("reserved 1 " + sku, placed.get(i).get(60, TimeUnit.SECONDS));
                xid = xids.get(i);
                assertEquals(GlobalState.CONFIRMED, coordinator.log().find(xid).orElseThrow().state());
                assertEquals(2, coordinator.log().branches(xid).size());
            } else {
                Throwable refused = assertThrows(java.util.concurrent.ExecutionException.class,
                        placed.get(i)::get).getCause();
                assertInstanceOf(BranchRegistrationRefusedException.class, refused);
                xid = xids.get(i);
                assertEquals(GlobalState.CANCELLED, coordinator.log().find(xid).orElseThrow().state());
                assertEquals(1, coordinator.log().branches(xid).size(), "the refused branch left no row");
            }
        }
        System.out.printf("group commit | %d transactions, half refused at their second registration | %d log commits"
                + " for %d registrations, %d decisions and %d phase twos%n", CLIENTS, commits, 2 * CLIENTS - CLIENTS / 2,
                CLIENTS, 2 * CLIENTS - CLIENTS / 2);
        // the refused tries never ran: only the confirmed transactions' two units each were taken
        assertArrayEquals(new int[] {100 - CLIENTS, 0, CLIENTS}, stock());
    }

    @Test
    void aDecisionRacingRecoverysDecisionHasExactlyOneWinner() throws Exception {
        List<Future<Boolean>> confirmedByInitiator = new ArrayList<>();
        List<CompletableFuture<GlobalState>> recoveryDecided = new ArrayList<>();
        List<String> xids = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            CyclicBarrier race = new CyclicBarrier(2);
            CompletableFuture<String> xid = new CompletableFuture<>();
            confirmedByInitiator.add(clients.submit(() -> {
                try {
                    coordinator.execute("raced", Duration.ofSeconds(30), () -> {
                        xid.complete(TransactionContext.current().xid());
                        reserve(1);
                        race.await(30, TimeUnit.SECONDS);
                        return null;
                    });
                    return true;
                } catch (GlobalTransactionCancelledException cancelled) {
                    return false;
                } catch (Throwable other) {
                    throw new IllegalStateException(other);
                }
            }));
            recoveryDecided.add(CompletableFuture.supplyAsync(() -> run(() -> {
                String raced = xid.get(30, TimeUnit.SECONDS);
                race.await(30, TimeUnit.SECONDS);
                return coordinator.phaseTwo().decideCancel(raced); // what recovery does past the deadline
            }), clients));
            xids.add(xid.get(30, TimeUnit.SECONDS));
        }
        int confirmed = 0;
        for (int i = 0; i < CLIENTS; i++) {
            boolean initiatorWon = confirmedByInitiator.get(i).get(60, TimeUnit.SECONDS);
            GlobalState recoveryFollowed = recoveryDecided.get(i).get(60, TimeUnit.SECONDS);
            GlobalRecord logged = coordinator.log().find(xids.get(i)).orElseThrow();
            // both parties were told the one decision the log holds
            assertEquals(initiatorWon ? GlobalState.CONFIRMED : GlobalState.CANCELLED, recoveryFollowed.finalState());
            assertEquals(initiatorWon ? GlobalState.CONFIRMED : GlobalState.CANCELLED,
                    coordinator.phaseTwo().resume(xids.get(i)).orElseThrow(), "finished as decided: " + logged);
            confirmed += initiatorWon ? 1 : 0;
        }
        assertArrayEquals(new int[] {100 - confirmed, 0, confirmed}, stock());
    }

    @Test
    void aStatementFailureInsideAGroupLosesNoOtherWrite() throws Exception {
        CyclicBarrier together = new CyclicBarrier(CLIENTS + 1);
        List<Future<String>> placed = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            placed.add(clients.submit(() -> run(() -> coordinator.execute("beside-a-failure", Duration.ofSeconds(30), () -> {
                reserve(1);
                together.await(30, TimeUnit.SECONDS);
                return reserve(1);
            }))));
        }
        Future<Boolean> failing = clients.submit(() -> {
            together.await(30, TimeUnit.SECONDS);
            return coordinator.log().group().commit(c -> {
                try (PreparedStatement broken = c.prepareStatement("UPDATE no_such_table SET state = 'X'")) {
                    return broken.executeUpdate() == 1;
                }
            });
        });

        Throwable failure = assertThrows(java.util.concurrent.ExecutionException.class, failing::get).getCause();
        assertInstanceOf(GlobalLogException.class, failure, "the failing write gets its own failure");
        for (Future<String> order : placed) {
            assertEquals("reserved 1 " + sku, order.get(60, TimeUnit.SECONDS), "every other write committed");
        }
        assertArrayEquals(new int[] {100 - 2 * CLIENTS, 0, 2 * CLIENTS}, stock());
        assertTrue(coordinator.log().list(GlobalState.TRYING, false, Duration.ZERO, 100).stream()
                .noneMatch(r -> "beside-a-failure".equals(r.name())), "none left undecided");
    }

    @FunctionalInterface
    private interface Step<T> {
        T run() throws Throwable;
    }

    private static <T> T run(Step<T> step) {
        try {
            return step.run();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new java.util.concurrent.CompletionException(t);
        }
    }

    private String reserve(int quantity) throws Throwable {
        return participant.reserve(coordinator, sku, quantity);
    }

    private int[] stock() {
        return participant.stock(sku);
    }
}
