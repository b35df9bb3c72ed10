package io.tcc.global;

import java.lang.reflect.InvocationTargetException;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;

import io.tcc.fence.Fence;
import io.tcc.fence.FenceConfig;
import io.tcc.fence.FenceListener;
import io.tcc.participant.ActionDescriptor;
import io.tcc.participant.ActionRegistry;
import io.tcc.participant.Interception;
import io.tcc.participant.JavaSerializationCodec;
import io.tcc.participant.LocalParticipant;
import io.tcc.test.TestDatabase;

/** {@link StockActions} behind a fence in a database of its own, as the local participant an initiator test drives. */
final class StockParticipant {

    final TestDatabase database;
    final StockActions actions;
    final LocalParticipant local;
    final ActionRegistry registry;
    private final ActionDescriptor reserve;

    StockParticipant(TestDatabase database) {
        this.database = database;
        Fence fence = new Fence(database.dataSource(), new DataSourceTransactionManager(database.dataSource()),
                FenceConfig.ofDefaults(), FenceListener.NONE);
        actions = new StockActions(new JdbcTemplate(database.dataSource()));
        registry = new ActionRegistry(Interception.PROXY);
        registry.register(actions, StockActions.class);
        local = new LocalParticipant(fence, registry, new JavaSerializationCodec());
        reserve = registry.forAction("reserve-stock");
    }

    /** What the {@code @Try} aspect does: hand the call to the coordinator with the business method as callback. */
    String reserve(Coordinator coordinator, String sku, int quantity) throws Throwable {
        Object[] args = {sku, quantity};
        return coordinator.tryBranch(reserve, args, () -> {
            try {
                return (String) reserve.tryMethod().invoke(actions, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        });
    }

    void stock(String sku, int available) {
        database.jdbc().update("INSERT INTO stock (sku, available, frozen, sold) VALUES (?, ?, 0, 0)", sku, available);
    }

    /** available, frozen, sold */
    int[] stock(String sku) {
        return database.jdbc().queryForObject("SELECT available, frozen, sold FROM stock WHERE sku = ?",
                (rs, n) -> new int[] {rs.getInt(1), rs.getInt(2), rs.getInt(3)}, sku);
    }
}
