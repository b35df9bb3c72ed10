package io.tcc.interception;

import java.lang.reflect.UndeclaredThrowableException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Callable;

import io.tcc.annotation.PhaseTwoMode;
import io.tcc.global.Coordinator;

/**
 * Starts global transactions from code that prefers no annotations:
 * <pre>{@code
 * Order order = tcc.execute("place-order", Duration.ofSeconds(10), () -> {
 *     Order o = orders.create(request);   // a @Try of this service
 *     inventory.reserve(o.sku(), o.qty()); // a @Try, here or remote
 *     return o;
 * });
 * }</pre>
 * Returning normally confirms every branch; throwing cancels them and rethrows the same exception.
 */
public final class TccTemplate {

    private final Coordinator coordinator;

    public TccTemplate(Coordinator coordinator) {
        this.coordinator = Objects.requireNonNull(coordinator, "coordinator");
    }

    public <T> T execute(String name, Duration timeout, Callable<T> body) throws Exception {
        return execute(name, timeout, PhaseTwoMode.SYNC, body);
    }

    /**
     * Like {@link #execute(String, Duration, Callable)}; with {@link PhaseTwoMode#ASYNC} it returns as soon as the
     * decision is durable and phase two runs on the coordinator's pool. To learn the xid and whether phase two is
     * pending, bind an {@link io.tcc.global.PhaseTwoChoice} around the call instead (it wins over {@code mode}).
     */
    public <T> T execute(String name, Duration timeout, PhaseTwoMode mode, Callable<T> body) throws Exception {
        try {
            return coordinator.execute(name, timeout, mode, body::call);
        } catch (Exception | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new UndeclaredThrowableException(t);
        }
    }
}
