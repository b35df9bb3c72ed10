package io.tcc.context;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

class TransactionContextTest {

    /** The context binds whatever the initiator runs; this test needs no initiator. */
    private record Running(String xid, Instant deadline, String name) implements CurrentTransaction {
    }

    private final CurrentTransaction outer = new Running("outer-1", Instant.now().plusSeconds(60), "test");
    private final CurrentTransaction inner = new Running("inner-2", Instant.now().plusSeconds(60), "test");

    @Test
    void bindingPutsTheXidInTheMdcAndNestedBindingsRestoreWhatWasThere() {
        try (TransactionContext.Scope a = TransactionContext.bind(outer)) {
            assertSame(outer, TransactionContext.current());
            assertEquals("outer-1", MDC.get("xid"));
            assertEquals(Optional.of("outer-1"), TransactionContext.currentXid());
            try (TransactionContext.Scope b = TransactionContext.bind(inner)) {
                assertEquals("inner-2", MDC.get("xid"));
                assertEquals(Optional.of("inner-2"), TransactionContext.currentXid());
            }
            assertSame(outer, TransactionContext.current());
            assertEquals("outer-1", MDC.get("xid"));
        }
        assertNull(TransactionContext.current());
        assertNull(MDC.get("xid"));
        assertEquals(Optional.empty(), TransactionContext.currentXid());
    }

    @Test
    void otherThreadsGetTheTransactionOnlyWhenHandedIt() throws Exception {
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try (TransactionContext.Scope ignored = TransactionContext.bind(outer)) {
            AtomicReference<CurrentTransaction> plain = new AtomicReference<>(outer);
            pool.submit(() -> plain.set(TransactionContext.current())).get(5, TimeUnit.SECONDS);
            assertNull(plain.get(), "no implicit inheritance across threads");

            assertSame(outer, pool.submit(TransactionContext.wrap(TransactionContext::current)).get(5, TimeUnit.SECONDS));
            AtomicReference<String> mdc = new AtomicReference<>();
            TransactionContext.executor(pool).execute(() -> mdc.set(MDC.get("xid")));
            pool.submit(() -> { }).get(5, TimeUnit.SECONDS);
            assertEquals("outer-1", mdc.get());
            assertNull(pool.submit(TransactionContext::current).get(5, TimeUnit.SECONDS), "the worker is left clean");
        } finally {
            pool.shutdownNow();
        }
    }
}
