package io.tcc.fence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class FenceConfigTest {

    @Test
    void minimumRetentionCoversTheLongestTransactionAndSkewOnBothSides() {
        FenceConfig config = FenceConfig.custom().maxTransactionTimeout(Duration.ofMinutes(5))
                .clockSkewMargin(Duration.ofSeconds(30)).build();
        assertEquals(Duration.ofMinutes(6), config.minimumRetention());
    }

    @Test
    void invalidSettingsAreRefusedWithTheSettingsName() {
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> FenceConfig.custom().maxTransactionTimeout(Duration.ZERO)).getMessage().contains("maxTransactionTimeout"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> FenceConfig.custom().clockSkewMargin(Duration.ofSeconds(-1))).getMessage().contains("clockSkewMargin"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> FenceConfig.custom().conflictRetries(-1)).getMessage().contains("conflictRetries"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> FenceConfig.custom().maxArgsBytes(70_000)).getMessage().contains("maxArgsBytes"));
    }
}
