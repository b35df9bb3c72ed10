package io.tcc.explorer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

import io.tcc.Timing;
import io.tcc.fence.Fence;
import io.tcc.fence.FenceConfig;
import io.tcc.fence.FenceListener;
import io.tcc.global.Coordinator;
import io.tcc.global.CoordinatorConfig;
import io.tcc.global.CrashPoints;
import io.tcc.http.FaultInjector;
import io.tcc.http.RemoteParticipantConfig;
import io.tcc.http.RemoteParticipants;
import io.tcc.http.RequestSigner;
import io.tcc.participant.ActionDescriptor;
import io.tcc.participant.ActionRegistry;
import io.tcc.participant.Interception;
import io.tcc.participant.LocalParticipant;
import io.tcc.recovery.Cleanup;
import io.tcc.recovery.Operations;
import io.tcc.recovery.Recovery;
import io.tcc.recovery.RecoveryConfig;
import io.tcc.recovery.RecoveryListener;
import io.tcc.test.TestDatabase;
import tools.jackson.databind.json.JsonMapper;

/**
 * One database setup's real parts: the initiator's log database with a participant sharing its commits, a participant
 * on a database of its own, a remote participant in its own Spring context over HTTP, the initiator's coordinator
 * (on a stepped clock) and a recovery daemon's coordinator (on the system clock) with recovery, operations and
 * cleanup. Timings are short, so thousands of transactions fit in minutes.
 */
final class Topology implements AutoCloseable {

    static final Duration MAX_TIMEOUT = Duration.ofSeconds(2);
    static final Duration RECOVERY_MARGIN = Duration.ofMillis(500);
    static final Duration CLOCK_SKEW = Duration.ofMillis(250);
    static final Duration RETRY_DELAY = Duration.ofMillis(300);
    static final Duration CALL_TIMEOUT = Duration.ofMillis(300);
    static final int WORKERS = RemoteSlots.SLOTS.size();
    static final int INITIAL_STOCK = 1_000_000;
    static final String OWN = "own";

    final Setup setup;
    final TestDatabase logDb;
    final TestDatabase ownDb;
    final TestDatabase remoteDb;
    private final List<HikariDataSource> pools = new ArrayList<>();
    final SteppingClock clock = new SteppingClock();
    final FaultInjector wire;
    final BusinessFaults faults = new BusinessFaults();
    final Coordinator initiator;
    final Coordinator daemon;
    final LocalParticipant shared;
    final LocalParticipant own;
    final ActionDescriptor sharedAction;
    final ActionDescriptor ownAction;
    final Shop sharedShop;
    final Shop ownShop;
    final TransactionTemplate ownCallerTx;
    final DataSource ownPool;
    final List<RemoteSlots.RemoteShop> slots = new ArrayList<>();
    final ConfigurableApplicationContext remote;
    final Fence ownFence;
    final Fence remoteFence;
    final Recovery recovery;
    final Operations operations;
    final Cleanup cleanup;
    final Duration retention;

    Topology(Setup setup, long seed, CrashPoints crashes, RecoveryListener recoveryListener) {
        this.setup = setup;
        logDb = TestDatabase.create(setup.kind(), "explore_log").applySchema("global.sql").applySchema("fence.sql")
                .run("tcc-test/stock.sql");
        recordDeletions(logDb);
        ownDb = TestDatabase.create(setup.kind(), "explore_own").applySchema("fence.sql").run("tcc-test/stock.sql");
        remoteDb = TestDatabase.create(setup.kind(), "explore_remote").applySchema("fence.sql").run("tcc-test/stock.sql");
        // a connection for each worker, and for recovery, cleanup, operators, races and a cancel sent before its try
        // beside them; no more, as PostgreSQL's 100 connections are shared (with the test databases' own 3 x 8)
        HikariDataSource logPool = pool(logDb, WORKERS + 6);
        ownPool = pool(ownDb, WORKERS + 2);
        HikariDataSource remotePool = pool(remoteDb, WORKERS);
        for (TestDatabase db : List.of(logDb, ownDb, remoteDb)) {
            for (int sku = 0; sku < Planner.SKUS; sku++) {
                db.jdbc().update("INSERT INTO stock (sku, available, frozen, sold) VALUES (?, ?, 0, 0)", "sku-" + sku,
                        INITIAL_STOCK);
            }
        }
        Timing timing = Timing.custom().longestTransaction(MAX_TIMEOUT).clockSkewMargin(CLOCK_SKEW)
                .recoveryMargin(RECOVERY_MARGIN).build();
        FenceConfig fenceConfig = FenceConfig.custom().timing(timing).build();
        CoordinatorConfig coordinatorConfig = CoordinatorConfig.custom().xidPrefix("explore").timing(timing)
                .phaseTwoRetryDelay(RETRY_DELAY).build();

        DataSourceTransactionManager logTm = new DataSourceTransactionManager(logPool);
        Fence sharedFence = new Fence(logPool, logTm, fenceConfig, FenceListener.NONE);
        sharedShop = new Shop(logPool, pool(logDb, 3), faults, postgres());
        ActionRegistry sharedRegistry = new ActionRegistry(Interception.PROXY);
        sharedAction = sharedRegistry.register(sharedShop, Shop.class).get(0);
        shared = new LocalParticipant(sharedFence, sharedRegistry, new JsonCodec());

        DataSourceTransactionManager ownTm = new DataSourceTransactionManager(ownPool);
        ownFence = new Fence(ownPool, ownTm, fenceConfig, FenceListener.NONE);
        ownShop = new Shop(ownPool, pool(ownDb, 3), faults, postgres());
        ActionRegistry ownRegistry = new ActionRegistry(Interception.PROXY);
        ownAction = ownRegistry.register(ownShop, Shop.class).get(0);
        own = new LocalParticipant(ownFence, ownRegistry, new JsonCodec());
        ownCallerTx = new TransactionTemplate(ownTm);

        remote = RemoteShopApp.start(remotePool, pool(remoteDb, 3), faults, postgres(), MAX_TIMEOUT.toMillis(), CLOCK_SKEW.toMillis());
        remoteFence = remote.getBean(Fence.class);
        String remoteUrl = RemoteShopApp.url(remote);

        JsonMapper json = JsonMapper.builder().build();
        RequestSigner signer = new RequestSigner(RemoteShopApp.SECRET);
        RemoteParticipantConfig calls = RemoteParticipantConfig.custom().connectTimeout(CALL_TIMEOUT)
                .callTimeout(CALL_TIMEOUT).failureRateThreshold(100).minimumCalls(100).openDuration(Duration.ofMillis(200))
                .phaseTwoCalls(2).phaseTwoCallBackoff(Duration.ofMillis(50)).build();
        wire = new FaultInjector(true, seed);
        // the initiator reads a clock QA steps within the skew margin
        initiator = new Coordinator(logPool, logTm, CoordinatorConfig.from(coordinatorConfig)
                .timing(Timing.from(timing).clock(clock).build()).build(), shared, crashes);
        initiator.participants().add(new NamedParticipant(OWN, own));
        RemoteParticipants initiatorRemotes = new RemoteParticipants(initiator, json, signer, name -> calls, wire);
        RemoteSlots.SLOTS.forEach(slot -> slots.add(initiatorRemotes.create(slot, remoteUrl)));

        // the daemon: another process's view, so its own clock and no injected network faults
        daemon = new Coordinator(logPool, logTm, coordinatorConfig, shared, CrashPoints.NONE);
        daemon.participants().add(new NamedParticipant(OWN, own));
        RemoteParticipants daemonRemotes = new RemoteParticipants(daemon, json, signer, name -> calls,
                FaultInjector.disabled());
        for (int slot = 0; slot < WORKERS; slot++) {
            daemon.participants().add(daemonRemotes.participant(RemoteSlots.name(slot), null));
        }
        recovery = new Recovery(daemon.log(), daemon.phaseTwo(), RecoveryConfig.custom().batchSize(64).lease(Duration.ofSeconds(5)).maxAttempts(8).initialBackoff(Duration.ofMillis(100)).maxBackoff(Duration.ofSeconds(1)).workers(4).build(), recoveryListener);
        operations = new Operations(daemon.log(), daemon.phaseTwo());
        // the minimum retention the one timing rule allows, for the log and all three fences
        retention = timing.minimumRetention(Timing.Rows.BOTH);
        cleanup = new Cleanup(daemon.log(), sharedFence, retention, 500);
    }

    /**
     * Every log row a cleanup deletes, with its last state, written into {@code deleted_global} by the database itself.
     * Cleanup deletes batch after batch until none is left, so a pass can outlast the retention on a loaded machine
     * and delete rows that finished after the ledger's last read of the log: without this, their decisions were lost
     * to the checks.
     */
    private void recordDeletions(TestDatabase db) {
        JdbcTemplate jdbc = db.jdbc();
        jdbc.execute("CREATE TABLE deleted_global (xid VARCHAR(128) NOT NULL, state VARCHAR(16) NOT NULL)");
        if (postgres()) {
            jdbc.execute("CREATE FUNCTION record_deleted_global() RETURNS trigger AS $$ BEGIN"
                    + " INSERT INTO deleted_global (xid, state) VALUES (OLD.xid, OLD.state); RETURN OLD; END $$"
                    + " LANGUAGE plpgsql");
            jdbc.execute("CREATE TRIGGER deleted_global AFTER DELETE ON tcc_global FOR EACH ROW"
                    + " EXECUTE FUNCTION record_deleted_global()");
        } else {
            jdbc.execute("CREATE TRIGGER deleted_global AFTER DELETE ON tcc_global FOR EACH ROW"
                    + " INSERT INTO deleted_global (xid, state) VALUES (OLD.xid, OLD.state)");
        }
    }

    private boolean postgres() {
        return setup.kind() == io.tcc.test.DatabaseKind.POSTGRESQL;
    }

    /** A pool with the setup's isolation, its isolation read back from the server. */
    private HikariDataSource pool(TestDatabase db, int size) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(db.jdbcUrl());
        config.setMaximumPoolSize(size);
        // opened as needed and closed when idle: PostgreSQL's 100 connections are shared with other test runs
        config.setMinimumIdle(1);
        config.setIdleTimeout(10_000);
        config.setPoolName(db.name() + "-" + pools.size());
        config.setTransactionIsolation(setup.isolation());
        if (postgres()) {
            // a commit need not wait for its WAL flush: the run never crashes the server, and visibility is unchanged
            config.addDataSourceProperty("options", "-c synchronous_commit=off");
        }
        HikariDataSource pool = new HikariDataSource(config);
        pools.add(pool);
        String level = new JdbcTemplate(pool).queryForObject(setup.isolationQuery(), String.class);
        if (!setup.serverName().equalsIgnoreCase(level)) {
            throw new IllegalStateException("pool " + config.getPoolName() + " runs " + level + " on the server, not "
                    + setup.serverName() + " as setup " + setup + " asks");
        }
        return pool;
    }

    /** The three participants' databases, for the checks. */
    List<DataSource> participantDatabases() {
        return List.of(logDb.dataSource(), ownDb.dataSource(), remoteDb.dataSource());
    }

    @Override
    public void close() {
        initiator.close();
        daemon.close();
        remote.close();
        pools.forEach(HikariDataSource::close);
        logDb.close();
        ownDb.close();
        remoteDb.close();
    }
}
