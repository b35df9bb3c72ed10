package io.tcc.recovery;

import java.time.Duration;
import java.util.Objects;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.tcc.Timing;
import io.tcc.fence.Fence;
import io.tcc.global.LogStore;

/**
 * Deletes what no transaction can need again: finished global transactions with their branches, and finished fence
 * rows, each older than its retention, in bounded batches. Both retentions are checked against the longest
 * transaction at construction, so a misconfigured cleanup fails at start-up, not by re-opening suspension later.
 */
public final class Cleanup {

    private static final Logger log = LoggerFactory.getLogger(Cleanup.class);

    /** The defaults of {@code tcc.recovery.cleanup.retention} and {@code tcc.recovery.cleanup.batch-size}. */
    public static final Duration DEFAULT_RETENTION = Duration.ofDays(7);
    public static final int DEFAULT_BATCH_SIZE = 500;

    /** What one run deleted. */
    public record Result(int transactions, int fenceRows) {
    }

    private final LogStore store;
    private final Fence fence;
    private final Duration retention;
    private final int batchSize;

    /**
     * @param store     the initiator's log, whose finished transactions it deletes, or null in a service that is only a
     *                  participant
     * @param fence     this service's fence, or null when it has none
     * @param retention how long finished rows are kept; at least the longest transaction plus the margins
     */
    public Cleanup(LogStore store, Fence fence, Duration retention, int batchSize) {
        if (store == null && fence == null) {
            throw new IllegalArgumentException("cleanup needs the global log, the fence, or both");
        }
        this.store = store;
        this.fence = fence;
        this.retention = Objects.requireNonNull(retention, "retention");
        if (batchSize < 1 || batchSize > 10_000) {
            throw new IllegalArgumentException("tcc.recovery.cleanup.batch-size must be between 1 and 10000, was " + batchSize);
        }
        this.batchSize = batchSize;
        // one retention for both kinds of row: long enough for each that this cleanup deletes
        Timing timing = store != null ? store.timing() : fence.config().timing();
        timing.requireRetention(retention, store == null ? Timing.Rows.FENCE : fence == null ? Timing.Rows.GLOBAL_LOG
                : Timing.Rows.BOTH);
    }

    public Result runOnce() {
        int transactions = store == null ? 0 : store.deleteFinished(retention, batchSize);
        int fenceRows = fence == null ? 0 : fence.deleteFinished(retention, batchSize);
        if (transactions + fenceRows > 0) {
            log.info("cleanup deleted {} finished transactions and {} finished fence rows older than {}", transactions,
                    fenceRows, retention);
        }
        return new Result(transactions, fenceRows);
    }
}
