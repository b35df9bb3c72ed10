package io.tcc.fence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.tcc.Timing;

class FenceConfigTest {

    @Test
    void minimumRetentionCoversTheLongestTransactionAndSkewOnBothSides() {
        Timing timing = Timing.custom().longestTransaction(Duration.ofMinutes(5)).clockSkewMargin(Duration.ofSeconds(30))
                .build();
        assertEquals(Duration.ofMinutes(6), FenceConfig.custom().timing(timing).build().minimumRetention());
        assertEquals(Duration.ofMinutes(6), timing.minimumRetention(Timing.Rows.FENCE));
        assertEquals(Duration.ofSeconds(330), timing.minimumRetention(Timing.Rows.GLOBAL_LOG));
        assertEquals(Duration.ofMinutes(6), timing.minimumRetention(Timing.Rows.BOTH));
    }

    @Test
    void invalidSettingsAreRefusedWithTheirPropertyKeys() {
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> Timing.custom().longestTransaction(Duration.ZERO)).getMessage().contains("tcc.max-timeout"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> Timing.custom().clockSkewMargin(Duration.ofSeconds(-1))).getMessage()
                .contains("tcc.fence.clock-skew-margin"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> FenceConfig.custom().conflictRetries(-1)).getMessage().contains("tcc.fence.conflict-retries"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> FenceConfig.custom().maxArgsBytes(70_000)).getMessage().contains("tcc.fence.max-args-bytes"));
    }

    @Test
    void aRetentionTooShortNamesEverySettingThatMakesUpTheMinimum() {
        String message = assertThrows(IllegalArgumentException.class,
                () -> Timing.ofDefaults().requireRetention(Duration.ofMinutes(1), Timing.Rows.BOTH)).getMessage();
        for (String key : new String[] {"tcc.recovery.cleanup.retention", "tcc.max-timeout", "tcc.fence.clock-skew-margin",
                "tcc.recovery-margin"}) {
            assertTrue(message.contains(key), message);
        }
    }
}
