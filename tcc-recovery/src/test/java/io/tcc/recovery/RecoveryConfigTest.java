package io.tcc.recovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.tcc.recovery.boot.TccRecoveryProperties;

/** A wrong recovery setting is refused with the key an operator sets it by; the properties start from the defaults. */
class RecoveryConfigTest {

    private static final Duration S = Duration.ofSeconds(1);

    @Test
    void eachWrongValueIsRefusedNamingItsPropertyKey() {
        assertThatThrownBy(() -> RecoveryConfig.custom().batchSize(0).lease(S).maxAttempts(1).initialBackoff(S).maxBackoff(S).workers(1).build()).hasMessageContaining("tcc.recovery.batch-size");
        assertThatThrownBy(() -> RecoveryConfig.custom().batchSize(1).lease(Duration.ofMillis(999)).maxAttempts(1).initialBackoff(S).maxBackoff(S).workers(1).build())
                .hasMessage("tcc.recovery.lease must be at least PT1S, was PT0.999S");
        assertThatThrownBy(() -> RecoveryConfig.custom().batchSize(1).lease(null).maxAttempts(1).initialBackoff(S).maxBackoff(S).workers(1).build()).hasMessageContaining("tcc.recovery.lease");
        assertThatThrownBy(() -> RecoveryConfig.custom().batchSize(1).lease(S).maxAttempts(0).initialBackoff(S).maxBackoff(S).workers(1).build()).hasMessageContaining("tcc.recovery.max-attempts");
        assertThatThrownBy(() -> RecoveryConfig.custom().batchSize(1).lease(S).maxAttempts(1).initialBackoff(Duration.ZERO).maxBackoff(S).workers(1).build())
                .hasMessageContaining("tcc.recovery.initial-backoff");
        assertThatThrownBy(() -> RecoveryConfig.custom().batchSize(1).lease(S).maxAttempts(1).initialBackoff(S).maxBackoff(Duration.ofMillis(500)).workers(1).build())
                .hasMessage("tcc.recovery.max-backoff must be at least tcc.recovery.initial-backoff PT1S, was PT0.5S");
        assertThatThrownBy(() -> RecoveryConfig.custom().batchSize(1).lease(S).maxAttempts(1).initialBackoff(S).maxBackoff(S).workers(65).build()).hasMessageContaining("tcc.recovery.workers");
    }

    @Test
    void thePropertiesDefaultsAreRecoverysOwn() {
        assertThat(new TccRecoveryProperties().recoveryConfig()).isEqualTo(RecoveryConfig.ofDefaults());
        assertThat(new TccRecoveryProperties().getInterval()).isEqualTo(RecoveryScheduler.DEFAULT_INTERVAL);
        assertThat(new TccRecoveryProperties().getCleanup().getRetention()).isEqualTo(Cleanup.DEFAULT_RETENTION);
    }
}
