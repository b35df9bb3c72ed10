package io.tcc.global;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place for log writes that share a commit with other transactions' writes (group commit).
 *
 * <p>Registrations and decisions ({@link #commit}) wait: their caller returns only once the commit holding them is
 * durable. One thread takes what queued while the commit before ran (waiting up to {@code tcc.log.group-commit.linger}
 * for more, at most {@code tcc.log.group-commit.max-batch}) and commits it as one log transaction. Each write is
 * conditional: a refusal is 0 rows and an answer, never an error that would roll the others back. Should a batch fail
 * (a statement error, a deadlock, a commit whose outcome is unknown), its writes are redone each alone, so one write's
 * failure is only its own.
 *
 * <p>Remote branches' finished phase twos ({@link #defer}) do not wait: they are held back for up to
 * {@code tcc.completion-linger} to ride on whatever the log commits next; a thread of its own commits them when none
 * comes in time. What is lost with the process is found pending by recovery, which drives it again: a duplicate.
 */
final class GroupCommit {

    private static final Logger log = LoggerFactory.getLogger(GroupCommit.class);
    private static final int MAX_COMPLETIONS_PER_COMMIT = 500;

    /** A conditional log write: false when its condition refused it (0 rows), and then it wrote nothing. */
    @FunctionalInterface
    interface Write {
        boolean run(Connection c) throws SQLException;
    }

    /** A remote branch's finished phase two, and the transaction's final state when it was the last branch. */
    record Completion(String xid, String branchId, BranchState target, GlobalState finishFrom, long deferredNanos) {
    }

    private record Waiting(Write write, CompletableFuture<Boolean> committed) {
    }

    private final LogStore store;
    private final long completionLingerNanos;
    private final long lingerNanos;
    private final int maxBatch;
    private final Queue<Completion> completions = new ConcurrentLinkedQueue<>();
    private final BlockingQueue<Waiting> waiting = new LinkedBlockingQueue<>();
    private final ScheduledExecutorService completionFlusher;
    private final Thread committer;
    private volatile boolean closed;

    GroupCommit(LogStore store, Duration completionLinger, Duration linger, int maxBatch) {
        this.store = store;
        this.completionLingerNanos = completionLinger.toNanos();
        this.lingerNanos = linger.toNanos();
        this.maxBatch = maxBatch;
        this.completionFlusher = completionLinger.isZero() ? null : Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "tcc-completions");
            thread.setDaemon(true);
            return thread;
        });
        if (maxBatch > 1) {
            committer = new Thread(this::commitGroups, "tcc-log-group-commit");
            committer.setDaemon(true);
            committer.start();
        } else {
            committer = null;
        }
    }

    /** True when finished phase twos wait to ride on a later commit, false when they are written at once. */
    boolean defersCompletions() {
        return completionFlusher != null;
    }

    // --- writes that wait for their commit

    /**
     * Commits {@code write} with whatever other transactions' writes queued with it; returns once that commit is
     * durable, with the write's own answer.
     *
     * @throws GlobalLogException this write's own failure (the batch it was in was redone write by write)
     */
    boolean commit(Write write) {
        if (committer == null || closed) {
            return alone(write);
        }
        Waiting entry = new Waiting(write, new CompletableFuture<>());
        waiting.add(entry);
        if (closed && waiting.remove(entry)) {
            return alone(write); // closed meanwhile: nothing will take it
        }
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return entry.committed().get();
                } catch (InterruptedException e) {
                    interrupted = true; // the write is queued: its answer is what the caller must know
                } catch (ExecutionException e) {
                    throw sneaky(e.getCause());
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private boolean alone(Write write) {
        return store.inLog(write::run);
    }

    private void commitGroups() {
        while (!closed) {
            List<Waiting> group = new ArrayList<>();
            try {
                Waiting first = waiting.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                group.add(first);
                long until = System.nanoTime() + lingerNanos;
                while (group.size() < maxBatch) {
                    long left = until - System.nanoTime();
                    Waiting next = left > 0 ? waiting.poll(left, TimeUnit.NANOSECONDS) : waiting.poll();
                    if (next == null) {
                        break;
                    }
                    group.add(next);
                }
            } catch (InterruptedException e) {
                // closing: what was taken is committed below, what still queues is committed by close()
            }
            commitGroup(group);
        }
    }

    private void commitGroup(List<Waiting> group) {
        if (group.isEmpty()) {
            return;
        }
        if (group.size() > 1) {
            try {
                List<Boolean> answers = store.inLog(c -> {
                    List<Boolean> each = new ArrayList<>(group.size());
                    for (Waiting entry : group) {
                        each.add(entry.write().run(c));
                    }
                    return each;
                });
                for (int i = 0; i < group.size(); i++) {
                    group.get(i).committed().complete(answers.get(i));
                }
                return;
            } catch (RuntimeException | Error failure) {
                // nothing of it is durable, or whether it is is unknown: every write is conditional, so redoing it
                // alone is safe either way (a registration that did commit meets its own row and fails alone)
                log.info("a group commit of {} log writes failed ({}); committing each on its own", group.size(),
                        failure.toString());
            }
        }
        for (Waiting entry : group) {
            try {
                entry.committed().complete(alone(entry.write()));
            } catch (Throwable failure) {
                entry.committed().completeExceptionally(failure);
            }
        }
    }

    // --- finished phase twos that ride on later commits

    void defer(Completion completion) {
        completions.add(completion);
        if (!completionFlusher.isShutdown()) {
            completionFlusher.schedule((Runnable) () -> flushCompletions(true), completionLingerNanos, TimeUnit.NANOSECONDS);
        }
    }

    /** The waiting completions, oldest first, to ride on a commit the log makes anyway. */
    List<Completion> takeCompletions() {
        List<Completion> taken = new ArrayList<>();
        Completion next;
        while (taken.size() < MAX_COMPLETIONS_PER_COMMIT && (next = completions.poll()) != null) {
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

    /**
     * A commit of its own for the waiting completions, once the oldest has waited its whole linger with no other commit
     * to ride on (a younger one alone may still find one). A failed commit puts them back for the next try.
     */
    private void flushCompletions(boolean expiredOnly) {
        Completion oldest = completions.peek();
        if (oldest == null || (expiredOnly && System.nanoTime() - oldest.deferredNanos() < completionLingerNanos)) {
            return;
        }
        try {
            store.inLog(c -> null); // the completions ride on it
        } catch (RuntimeException e) {
            log.warn("could not log finished phase twos ({}); they wait for the next commit, and recovery drives them"
                    + " again if none comes", e.toString());
        }
    }

    /**
     * Stops both threads, then commits what still waits: queued registrations and decisions each alone, completions
     * one try per batch (a failed one is left to recovery).
     */
    void close() {
        closed = true;
        if (committer != null) {
            committer.interrupt();
            try {
                committer.join(TimeUnit.SECONDS.toMillis(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            List<Waiting> left = new ArrayList<>();
            waiting.drainTo(left);
            for (Waiting entry : left) {
                commitGroup(List.of(entry));
            }
        }
        if (completionFlusher != null) {
            completionFlusher.shutdownNow();
            int batches = (completions.size() + MAX_COMPLETIONS_PER_COMMIT - 1) / MAX_COMPLETIONS_PER_COMMIT;
            for (int i = 0; i < batches; i++) {
                flushCompletions(false);
            }
        }
    }

    /** Rethrows the write's own failure unchanged (a GlobalLogException, or what the write threw). */
    @SuppressWarnings("unchecked")
    private static <E extends Throwable> RuntimeException sneaky(Throwable failure) throws E {
        throw (E) (failure instanceof CompletionException e && e.getCause() != null ? e.getCause() : failure);
    }
}
