package io.tcc.global;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import io.tcc.context.TransactionContext;

/**
 * The initiator's bounded pool for asynchronous phase twos. It holds nothing recovery needs: a transaction is handed to
 * it only once its decision is durable, so whatever the pool drops (a crash, a shutdown past its drain timeout) is a
 * decided transaction recovery finds due and finishes.
 */
final class PhaseTwoPool {

    private static final Logger log = LoggerFactory.getLogger(PhaseTwoPool.class);

    /** A phase two the pool runs, with the xid it drives: its log lines carry it, and so does what a shutdown leaves. */
    private record Task(String xid, Runnable drive) implements Runnable {
        @Override
        public void run() {
            String previous = MDC.get(TransactionContext.MDC_KEY); // the caller's own, when it runs the task itself
            MDC.put(TransactionContext.MDC_KEY, xid);
            try {
                drive.run();
            } finally {
                if (previous == null) {
                    MDC.remove(TransactionContext.MDC_KEY);
                } else {
                    MDC.put(TransactionContext.MDC_KEY, previous);
                }
            }
        }
    }

    private final LogStore store;
    private final Duration drainTimeout;
    private final ThreadPoolExecutor executor;
    /** Phase twos queued or running here, for waiters in this process; removed when done. */
    private final Map<String, CompletableFuture<GlobalState>> running = new ConcurrentHashMap<>();

    PhaseTwoPool(LogStore store, CoordinatorConfig config) {
        this.store = store;
        this.drainTimeout = config.asyncDrainTimeout();
        int capacity = config.asyncQueueCapacity();
        BlockingQueue<Runnable> queue = capacity == 0 ? new SynchronousQueue<>() : new ArrayBlockingQueue<>(capacity);
        AtomicInteger threads = new AtomicInteger();
        this.executor = new ThreadPoolExecutor(config.asyncThreads(), config.asyncThreads(), 60, TimeUnit.SECONDS, queue,
                task -> {
                    Thread thread = new Thread(task, "tcc-phase-two-" + threads.incrementAndGet());
                    thread.setDaemon(true);
                    return thread;
                }, new ThreadPoolExecutor.AbortPolicy());
        executor.allowCoreThreadTimeOut(true);
    }

    /**
     * Hands a decided transaction's phase two to the pool. When its queue is full (or it is closing), the caller runs
     * the phase two itself before it is answered: back-pressure that slows callers to the pace phase two keeps,
     * instead of an unbounded queue or a dropped phase two that would wait for recovery's retry delay.
     *
     * @return completed with the state phase two left
     */
    CompletableFuture<GlobalState> submit(String xid, GlobalState decided, Supplier<GlobalState> drive) {
        CompletableFuture<GlobalState> done = new CompletableFuture<>();
        running.put(xid, done);
        Task task = new Task(xid, () -> {
            try {
                done.complete(drive.get());
            } catch (Throwable failure) {
                log.warn("asynchronous phase two of {} failed ({}); it stays {} and recovery drives it again", xid,
                        failure.toString(), decided);
                done.complete(decided);
            } finally {
                running.remove(xid, done);
            }
        });
        try {
            executor.execute(task);
            log.debug("{} decided {}; phase two queued", xid, decided);
        } catch (RejectedExecutionException full) {
            log.info("{}: the phase-two pool is busy (tcc.phase-two.async.threads {}, queue-capacity {} full) or closing;"
                    + " the caller runs its phase two itself", xid, executor.getMaximumPoolSize(),
                    executor.getQueue().size());
            task.run();
        }
        return done;
    }

    /**
     * Waits up to {@code timeout} for a transaction to finish: on the pool's own phase two when it runs here, otherwise
     * (after a restart, or when the pool left the rest to recovery) by reading the log until it is finished.
     *
     * @return its state when finished or when the time was up; empty when the log has no such transaction
     */
    Optional<GlobalState> await(String xid, Duration timeout) throws InterruptedException {
        long until = System.nanoTime() + timeout.toNanos();
        CompletableFuture<GlobalState> here = running.get(xid);
        if (here != null) {
            try {
                GlobalState state = here.get(Math.max(0, until - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (state.isFinished()) {
                    return Optional.of(state);
                }
            } catch (TimeoutException e) {
                return store.find(xid).map(GlobalRecord::state);
            } catch (ExecutionException e) {
                // completed only normally; read the log
            }
        }
        long pause = TimeUnit.MILLISECONDS.toNanos(10);
        while (true) {
            Optional<GlobalState> state = store.find(xid).map(GlobalRecord::state);
            long left = until - System.nanoTime();
            if (state.isEmpty() || state.get().isFinished() || left <= 0) {
                return state;
            }
            TimeUnit.NANOSECONDS.sleep(Math.min(pause, left));
            pause = Math.min(pause * 2, TimeUnit.MILLISECONDS.toNanos(250));
        }
    }

    /** Phase twos waiting for a thread; for metrics. */
    int queued() {
        return executor.getQueue().size();
    }

    /**
     * Lets running and queued phase twos finish for up to {@code tcc.phase-two.async.drain-timeout}, then interrupts
     * them: what is left is decided in the log, and recovery finishes it.
     */
    void close() {
        executor.shutdown();
        try {
            if (executor.awaitTermination(drainTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<Runnable> left = executor.shutdownNow();
        for (Runnable task : left) {
            log.warn("{} is decided but its phase two did not run before shut-down (tcc.phase-two.async.drain-timeout"
                    + " {}); recovery finishes it", ((Task) task).xid(), drainTimeout);
        }
        try {
            executor.awaitTermination(1, TimeUnit.SECONDS); // the interrupted ones log how far they got
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
