package io.tcc.recovery.boot;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

import io.tcc.recovery.Cleanup;
import io.tcc.recovery.RecoveryScheduler;

/**
 * A participant's fence cleanup ({@code tcc.recovery.cleanup.*}) on one daemon thread of its own, from the moment the
 * service is up: what Quartz does for an initiator, without Quartz's tables. A failed run is logged and tried again at
 * the next interval.
 */
final class FenceCleanup implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(FenceCleanup.class);

    private final Cleanup cleanup;
    private final Duration interval;
    private ScheduledExecutorService executor;

    FenceCleanup(Cleanup cleanup, Duration interval) {
        RecoveryScheduler.requireInterval("tcc.recovery.cleanup.interval", interval);
        this.cleanup = cleanup;
        this.interval = interval;
    }

    @Override
    public synchronized void start() {
        executor = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "tcc-fence-cleanup");
            thread.setDaemon(true);
            return thread;
        });
        executor.scheduleWithFixedDelay(this::runOnce, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    void runOnce() {
        try {
            cleanup.runOnce();
        } catch (RuntimeException e) {
            log.warn("fence cleanup failed, next run in {}: {}", interval, e.toString());
        }
    }

    @Override
    public synchronized void stop() {
        executor.shutdownNow();
        executor = null;
    }

    @Override
    public synchronized boolean isRunning() {
        return executor != null;
    }

    Cleanup cleanup() {
        return cleanup;
    }
}
