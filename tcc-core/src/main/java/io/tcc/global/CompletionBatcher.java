package io.tcc.global;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Remote branches' finished phase twos, held back for up to {@code tcc.completion-linger} so that they ride on a
 * commit the log makes anyway (many transactions' completions in one commit); a thread of its own commits them when
 * none comes in time. What is lost with the process is found pending by recovery, which drives it again: a duplicate.
 */
final class CompletionBatcher {

    private static final Logger log = LoggerFactory.getLogger(CompletionBatcher.class);
    private static final int MAX_PER_COMMIT = 500;

    /** A remote branch's finished phase two, and the transaction's final state when it was the last branch. */
    record Completion(String xid, String branchId, BranchState target, GlobalState finishFrom, long deferredNanos) {
    }

    private final LogStore store;
    private final long lingerNanos;
    private final Queue<Completion> waiting = new ConcurrentLinkedQueue<>();
    private final ScheduledExecutorService flusher = Executors.newSingleThreadScheduledExecutor(task -> {
        Thread thread = new Thread(task, "tcc-completions");
        thread.setDaemon(true);
        return thread;
    });

    CompletionBatcher(LogStore store, Duration linger) {
        this.store = store;
        this.lingerNanos = linger.toNanos();
    }

    void defer(Completion completion) {
        waiting.add(completion);
        if (!flusher.isShutdown()) {
            flusher.schedule((Runnable) () -> flush(true), lingerNanos, TimeUnit.NANOSECONDS);
        }
    }

    /** The waiting completions, oldest first, to ride on a commit the log makes anyway. */
    List<Completion> take() {
        List<Completion> taken = new ArrayList<>();
        Completion next;
        while (taken.size() < MAX_PER_COMMIT && (next = waiting.poll()) != null) {
            taken.add(next);
        }
        return taken;
    }

    static void write(GlobalLog sql, Connection c, List<Completion> batch) throws SQLException {
        for (Completion done : batch) {
            sql.moveBranch(c, done.xid(), done.branchId(), BranchState.REGISTERED, done.target(), "OK");
            if (done.finishFrom() != null) {
                sql.finish(c, done.xid(), done.finishFrom());
            }
        }
    }

    /** Stops the flusher, then writes what still waits: one try per batch; a failed one is left to recovery. */
    void close() {
        flusher.shutdownNow();
        int batches = (waiting.size() + MAX_PER_COMMIT - 1) / MAX_PER_COMMIT;
        for (int i = 0; i < batches; i++) {
            flush(false);
        }
    }

    /**
     * A commit of its own for the waiting completions, once the oldest has waited its whole linger with no other commit
     * to ride on (a younger one alone may still find one). A failed commit puts them back for the next try.
     */
    private void flush(boolean expiredOnly) {
        Completion oldest = waiting.peek();
        if (oldest == null || (expiredOnly && System.nanoTime() - oldest.deferredNanos() < lingerNanos)) {
            return;
        }
        try {
            store.inLog(c -> null); // the completions ride on it
        } catch (RuntimeException e) {
            log.warn("could not log finished phase twos ({}); they wait for the next commit, and recovery drives them"
                    + " again if none comes", e.toString());
        }
    }
}
