package io.tcc.fence;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/** A {@link FenceListener} that counts; cheap enough to leave on in production and read for metrics. */
public final class FenceCounters implements FenceListener {

    private final Map<FencePhase, LongAdder> executed = adders();
    private final Map<FencePhase, LongAdder> duplicates = adders();
    private final Map<FencePhase, LongAdder> conflictRetries = adders();
    private final LongAdder emptyCancels = new LongAdder();
    private final LongAdder cleanedUpRepeats = new LongAdder();
    private final LongAdder suspensionsRefused = new LongAdder();
    private final LongAdder lateTriesRefused = new LongAdder();

    private static Map<FencePhase, LongAdder> adders() {
        Map<FencePhase, LongAdder> map = new EnumMap<>(FencePhase.class);
        for (FencePhase phase : FencePhase.values()) {
            map.put(phase, new LongAdder());
        }
        return map;
    }

    @Override
    public void onExecuted(BranchKey key, FencePhase phase) {
        executed.get(phase).increment();
    }

    @Override
    public void onDuplicate(BranchKey key, FencePhase phase) {
        duplicates.get(phase).increment();
    }

    @Override
    public void onEmptyCancel(BranchKey key) {
        emptyCancels.increment();
    }

    @Override
    public void onCleanedUpRepeat(BranchKey key, FencePhase phase) {
        cleanedUpRepeats.increment();
    }

    @Override
    public void onTryRefused(BranchKey key, TryRefusedException.Reason reason) {
        (reason == TryRefusedException.Reason.SUSPENDED ? suspensionsRefused : lateTriesRefused).increment();
    }

    @Override
    public void onConflictRetried(BranchKey key, FencePhase phase, int attempt, Throwable conflict) {
        conflictRetries.get(phase).increment();
    }

    public long executed(FencePhase phase) {
        return executed.get(phase).sum();
    }

    public long duplicates(FencePhase phase) {
        return duplicates.get(phase).sum();
    }

    public long conflictRetries() {
        return conflictRetries.values().stream().mapToLong(LongAdder::sum).sum();
    }

    public long emptyCancels() {
        return emptyCancels.sum();
    }

    /** Confirms and cancels answered as finished because cleanup had removed their branch's row. */
    public long cleanedUpRepeats() {
        return cleanedUpRepeats.sum();
    }

    /** Tries refused because their branch was cancelled first. */
    public long suspensionsRefused() {
        return suspensionsRefused.sum();
    }

    /** Tries refused because they arrived after their deadline. */
    public long lateTriesRefused() {
        return lateTriesRefused.sum();
    }
}
