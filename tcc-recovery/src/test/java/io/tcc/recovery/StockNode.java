package io.tcc.recovery;

import java.lang.reflect.InvocationTargetException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

import javax.sql.DataSource;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;

import io.tcc.Timing;
import io.tcc.context.TransactionContext;
import io.tcc.fence.Fence;
import io.tcc.fence.FenceConfig;
import io.tcc.fence.FenceListener;
import io.tcc.global.Coordinator;
import io.tcc.global.CoordinatorConfig;
import io.tcc.global.CrashPoints;
import io.tcc.global.StockActions;
import io.tcc.participant.ActionDescriptor;
import io.tcc.participant.ActionRegistry;
import io.tcc.participant.Interception;
import io.tcc.participant.LocalParticipant;
import io.tcc.participant.JavaSerializationCodec;

/**
 * One process of a service that is initiator and local participant at once: the stock participant with its fence on
 * {@code participantPool}, a coordinator over the global log on {@code logPool}. Tests that run such processes in
 * JVMs of their own wire each the same way, so what the processes share is only what the databases hold.
 */
record StockNode(Coordinator coordinator, Fence fence, StockActions stock, ActionDescriptor reserve) {

    /** Recovery cancels a TRYING transaction 1 ms past its deadline; a failed phase two is due again 100 ms later. */
    static final CoordinatorConfig CONFIG = CoordinatorConfig.custom()
            .timing(Timing.custom().recoveryMargin(Duration.ofMillis(1)).build())
            .phaseTwoRetryDelay(Duration.ofMillis(100)).build();

    static StockNode wire(DataSource logPool, DataSource participantPool, CrashPoints crashPoints) {
        Fence fence = new Fence(participantPool, new DataSourceTransactionManager(participantPool),
                FenceConfig.ofDefaults(), FenceListener.NONE);
        StockActions stock = new StockActions(new JdbcTemplate(participantPool));
        ActionRegistry registry = new ActionRegistry(Interception.PROXY);
        registry.register(stock, StockActions.class);
        Coordinator coordinator = new Coordinator(logPool, new DataSourceTransactionManager(logPool), CONFIG,
                new LocalParticipant(fence, registry, new JavaSerializationCodec()), crashPoints);
        return new StockNode(coordinator, fence, stock, registry.forAction("reserve-stock"));
    }

    /**
     * Runs a transaction of {@code branches} tries of one unit of {@code sku} on this node, armed to die at
     * {@code point}; returns its xid, left in the log exactly as a dead initiator leaves it.
     */
    String crashed(CrashPoints.Point point, AtomicReference<CrashPoints.Point> crashAt, Duration timeout, String sku,
                   int branches) {
        crashAt.set(point);
        AtomicReference<String> xid = new AtomicReference<>();
        try {
            coordinator.execute("crash", timeout, () -> {
                xid.set(TransactionContext.current().xid());
                for (int i = 0; i < branches; i++) {
                    Object[] args = {sku, 1};
                    coordinator.tryBranch(reserve, args, () -> {
                        try {
                            return reserve.tryMethod().invoke(stock, args);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                    });
                }
                return null;
            });
            throw new AssertionError("the initiator of " + xid.get() + " did not die at " + point);
        } catch (CrashPoints.SimulatedCrash expected) {
            return xid.get();
        } catch (Throwable unexpected) {
            throw new AssertionError("the initiator of " + xid.get() + " failed before " + point, unexpected);
        } finally {
            crashAt.set(null);
        }
    }

    /** Crash points that throw at whichever point {@code crashAt} holds. */
    static CrashPoints armedBy(AtomicReference<CrashPoints.Point> crashAt) {
        return (point, xid) -> {
            if (point == crashAt.get()) {
                throw new CrashPoints.SimulatedCrash(point, xid);
            }
        };
    }
}
