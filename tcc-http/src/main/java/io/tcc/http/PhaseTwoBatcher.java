package io.tcc.http;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import io.tcc.fence.BranchKey;
import io.tcc.fence.FencePhase;

/**
 * Gathers concurrent confirms (or cancels) bound for one participant address into one request, leader and followers:
 * a call that finds no request of its kind in flight and no leader goes out at once (nothing waits at low load); one
 * that finds a request in flight leads the next batch, waiting at most the linger, or until the batch is full, for
 * others to join; the calls that arrive meanwhile follow it. Each caller gets its own branch's result.
 */
final class PhaseTwoBatcher {

    /** Sends calls of one phase to one address as one request; one result per call, in order. */
    interface Sender {
        List<CallResult> send(String baseUrl, FencePhase phase, List<Call> calls);
    }

    /** A call and its body: the try's arguments it carries, or empty. */
    record Call(BranchCall call, byte[] body) {
    }

    private final PhaseTwoBatching settings;
    private final Sender sender;
    private final Map<String, Lane> lanes = new ConcurrentHashMap<>();

    PhaseTwoBatcher(PhaseTwoBatching settings, Sender sender) {
        this.settings = settings;
        this.sender = sender;
    }

    /** Sends {@code call} with whatever else is bound for the same address and phase; blocks until its answer. */
    CallResult call(String baseUrl, BranchCall call, byte[] body) {
        return lanes.computeIfAbsent(baseUrl + " " + call.phase(), k -> new Lane(baseUrl, call.phase()))
                .submit(new Call(call, body));
    }

    private record Waiting(Call call, CompletableFuture<CallResult> result) {
    }

    private final class Lane {
        private final String baseUrl;
        private final FencePhase phase;
        private final ArrayDeque<Waiting> queue = new ArrayDeque<>();
        private boolean leading;
        private int inFlight;

        Lane(String baseUrl, FencePhase phase) {
            this.baseUrl = baseUrl;
            this.phase = phase;
        }

        CallResult submit(Call call) {
            Waiting waiting = new Waiting(call, new CompletableFuture<>());
            boolean lead;
            synchronized (this) {
                queue.add(waiting);
                lead = !leading;
                leading = true;
                if (!lead && queue.size() >= settings.maxSize()) {
                    notifyAll(); // a full batch need not linger
                }
            }
            if (lead) {
                lead();
            }
            return waiting.result().join();
        }

        /** Sends batches until the queue is empty; only the first may linger, and only while a request is in flight. */
        private void lead() {
            boolean more = true;
            while (more) {
                List<Waiting> batch;
                synchronized (this) {
                    linger();
                    batch = take();
                    more = !queue.isEmpty(); // more than a batch waited (or a branch twice): this leader goes on
                    leading = more;
                    inFlight++;
                }
                try {
                    send(batch);
                } finally {
                    synchronized (this) {
                        inFlight--;
                    }
                }
            }
        }

        private void linger() {
            long end = System.nanoTime() + settings.linger().toNanos();
            try {
                while (inFlight > 0 && queue.size() < settings.maxSize()) {
                    long left = end - System.nanoTime();
                    if (left <= 0) {
                        return;
                    }
                    TimeUnit.NANOSECONDS.timedWait(this, left);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // send what is there now
            }
        }

        /** Up to a batch of the waiting calls, never one branch twice in a request (the second waits for the next). */
        private List<Waiting> take() {
            List<Waiting> batch = new ArrayList<>();
            Set<BranchKey> keys = new HashSet<>();
            for (Iterator<Waiting> it = queue.iterator(); it.hasNext() && batch.size() < settings.maxSize(); ) {
                Waiting next = it.next();
                if (keys.add(next.call().call().key())) {
                    batch.add(next);
                    it.remove();
                }
            }
            return batch;
        }

        private void send(List<Waiting> batch) {
            List<CallResult> results;
            try {
                results = sender.send(baseUrl, phase, batch.stream().map(Waiting::call).toList());
            } catch (RuntimeException | Error e) {
                batch.forEach(w -> w.result().completeExceptionally(e)); // each caller sees it; the leader goes on
                return;
            }
            for (int i = 0; i < batch.size(); i++) {
                batch.get(i).result().complete(results.get(i));
            }
        }
    }
}
