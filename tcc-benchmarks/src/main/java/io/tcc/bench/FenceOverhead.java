package io.tcc.bench;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.function.LongSupplier;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

import io.tcc.demo.inventory.StockReservation;
import io.tcc.fence.BranchKey;
import io.tcc.fence.Fence;
import io.tcc.fence.FenceConfig;
import io.tcc.fence.FenceListener;
import io.tcc.participant.ActionDescriptor;
import io.tcc.participant.ActionRegistry;
import io.tcc.participant.Interception;
import io.tcc.participant.LocalParticipant;
import io.tcc.participant.PendingBranch;
import io.tcc.spring.JsonArgumentCodec;

/**
 * Benchmark 1, in this JVM on the real database: the demo inventory's own action ({@link StockReservation}: the try
 * freezes stock and writes a freeze row, the confirm sells it) run as try + confirm through the fence, the way a
 * participant serves them, against the very same two business methods each in one plain local transaction without
 * the fence. Both sides commit twice per operation; the difference is the fence's row, its compare-and-set and the
 * replay of the recorded try.
 */
final class FenceOverhead implements AutoCloseable {

    private static final String SKU_PREFIX = "FENCE-";

    private final HikariDataSource pool;
    private final StockReservation stock;
    private final TransactionTemplate plain;
    private final LocalParticipant participant;
    private final ActionDescriptor reserve;

    /** @param jdbcUrl a database holding the inventory's tables and the fence table */
    FenceOverhead(String jdbcUrl, int threads) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(jdbcUrl);
        config.setMaximumPoolSize(threads + 1);
        config.setPoolName("bench-fence");
        config.setAutoCommit(false); // as the demo services run: no SET autocommit around each transaction
        // and Connector/J's statement cache, as HikariCP's guide configures it (the demo services do too)
        config.addDataSourceProperty("cachePrepStmts", "true");
        config.addDataSourceProperty("prepStmtCacheSize", "250");
        config.addDataSourceProperty("prepStmtCacheSqlLimit", "2048");
        config.addDataSourceProperty("useLocalSessionState", "true");
        pool = new HikariDataSource(config);
        JdbcTemplate jdbc = new JdbcTemplate(pool);
        stock = new StockReservation(jdbc);
        DataSourceTransactionManager transactions = new DataSourceTransactionManager(pool);
        plain = new TransactionTemplate(transactions);
        ActionRegistry registry = new ActionRegistry(Interception.PROXY);
        registry.register(stock, StockReservation.class);
        reserve = registry.forAction("reserve-stock");
        participant = new LocalParticipant(new Fence(pool, transactions, FenceConfig.ofDefaults(), FenceListener.NONE),
                registry, new JsonArgumentCodec());
        plain.executeWithoutResult(s -> { // autocommit is off: a write outside a transaction would be rolled back
            for (int t = 0; t < threads; t++) {
                jdbc.update("INSERT INTO stock (sku, available) VALUES (?, ?)", SKU_PREFIX + t, 1_000_000_000);
            }
        });
    }

    /** Baseline: the try's business SQL in one local transaction, then the confirm's in another. */
    void plain(int thread) {
        String order = UUID.randomUUID().toString();
        String sku = SKU_PREFIX + thread;
        plain.executeWithoutResult(s -> {
            try {
                stock.reserve(order, sku, 1);
            } catch (StockReservation.StockRejectedException e) {
                throw new IllegalStateException(e);
            }
        });
        plain.executeWithoutResult(s -> stock.sell(order, sku, 1));
    }

    /** Subject: the same try and confirm through the fence, as the participant endpoint runs them. */
    void fenced(int thread) throws Exception {
        String order = UUID.randomUUID().toString();
        String sku = SKU_PREFIX + thread;
        BranchKey key = new BranchKey("bench-" + order, "1");
        Instant deadline = Instant.now().plusSeconds(60);
        try {
            // the initiator keeps the try's encoded arguments and carries them with the confirm
            String args = participant.encode(reserve, new Object[] {order, sku, 1});
            participant.tryBranch(reserve, key, deadline, args, () -> stock.reserve(order, sku, 1));
            participant.confirm(new PendingBranch(key, reserve.action(), null, deadline, args));
        } catch (Exception | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    Interleaved.Outcome measure(int threads, Duration round, int rounds, LongSupplier... cpu) throws InterruptedException {
        return Interleaved.run(threads, round, rounds, this::plain, this::fenced, cpu);
    }

    /** Removes what it wrote, so the services start on the demo's empty tables. */
    @Override
    public void close() {
        JdbcTemplate jdbc = new JdbcTemplate(pool);
        plain.executeWithoutResult(s -> {
            jdbc.update("DELETE FROM tcc_fence");
            jdbc.update("DELETE FROM stock_freeze");
            jdbc.update("DELETE FROM stock WHERE sku LIKE '" + SKU_PREFIX + "%'");
        });
        pool.close();
    }
}
