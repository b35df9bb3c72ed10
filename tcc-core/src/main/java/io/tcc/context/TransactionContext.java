package io.tcc.context;

import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.Executor;

import org.slf4j.MDC;


/**
 * Binds the running global transaction to the current thread, with its xid in the SLF4J MDC under {@code xid} so
 * every log line inside it names it. Bindings nest and restore what was there before; other threads get the
 * transaction only when handed it explicitly ({@link #wrap(Runnable)}, {@link #executor(Executor)}).
 */
public final class TransactionContext {

    public static final String MDC_KEY = "xid";

    private static final ThreadLocal<CurrentTransaction> CURRENT = new ThreadLocal<>();

    private TransactionContext() {
    }

    /** The global transaction running on this thread, or null. */
    public static CurrentTransaction current() {
        return CURRENT.get();
    }

    /**
     * The xid of the global transaction running on this thread: inside a {@code @GlobalTransaction} method or a
     * {@code TccTemplate} body, and in everything they call on this thread (in-process tries included); empty elsewhere.
     * A participant's confirm and cancel get theirs from a {@link BranchContext} parameter instead.
     */
    public static Optional<String> currentXid() {
        CurrentTransaction transaction = CURRENT.get();
        return transaction == null ? Optional.empty() : Optional.of(transaction.xid());
    }

    /** Restores the previous binding when closed. */
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }

    /** Binds {@code transaction} (or nothing, for null) until the returned scope is closed. */
    public static Scope bind(CurrentTransaction transaction) {
        CurrentTransaction previous = CURRENT.get();
        String previousMdc = MDC.get(MDC_KEY);
        set(transaction);
        return () -> {
            set(previous);
            if (previousMdc != null) {
                MDC.put(MDC_KEY, previousMdc);
            }
        };
    }

    private static void set(CurrentTransaction transaction) {
        if (transaction == null) {
            CURRENT.remove();
            MDC.remove(MDC_KEY);
        } else {
            CURRENT.set(transaction);
            MDC.put(MDC_KEY, transaction.xid());
        }
    }

    /** A runnable that runs inside the transaction current now, on whatever thread runs it. */
    public static Runnable wrap(Runnable task) {
        Objects.requireNonNull(task, "task");
        CurrentTransaction captured = current();
        return () -> {
            try (Scope ignored = bind(captured)) {
                task.run();
            }
        };
    }

    /** A callable that runs inside the transaction current now, on whatever thread runs it. */
    public static <T> Callable<T> wrap(Callable<T> task) {
        Objects.requireNonNull(task, "task");
        CurrentTransaction captured = current();
        return () -> {
            try (Scope ignored = bind(captured)) {
                return task.call();
            }
        };
    }

    /** An executor that hands each task the transaction current at submission. */
    public static Executor executor(Executor delegate) {
        Objects.requireNonNull(delegate, "delegate");
        return task -> delegate.execute(wrap(task));
    }
}
