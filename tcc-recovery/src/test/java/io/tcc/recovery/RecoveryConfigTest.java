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
        assertThatThrownBy(() -> new RecoveryConfig(0, S, 1, S, S, 1)).hasMessageContaining("tcc.recovery.batch-size");
        assertThatThrownBy(() -> new RecoveryConfig(1, Duration.ofMillis(999), 1, S, S, 1))
                .hasMessage("tcc.recovery.lease must be at least PT1S, was PT0.999S");
        assertThatThrownBy(() -> new RecoveryConfig(1, null, 1, S, S, 1)).hasMessageContaining("tcc.recovery.lease");
        assertThatThrownBy(() -> new RecoveryConfig(1, S, 0, S, S, 1)).hasMessageContaining("tcc.recovery.max-attempts");
        assertThatThrownBy(() -> new RecoveryConfig(1, S, 1, Duration.ZERO, S, 1))
                .hasMessageContaining("tcc.recovery.initial-backoff");
        assertThatThrownBy(() -> new RecoveryConfig(1, S, 1, S, Duration.ofMillis(500), 1))
                .hasMessage("tcc.recovery.max-backoff must be at least PT1S, was PT0.5S");
        assertThatThrownBy(() -> new RecoveryConfig(1, S, 1, S, S, 65)).hasMessageContaining("tcc.recovery.workers");
    }

    @Test
    void thePropertiesDefaultsAreRecoverysOwn() {
        assertThat(new TccRecoveryProperties().recoveryConfig()).isEqualTo(RecoveryConfig.ofDefaults());
        assertThat(new TccRecoveryProperties().getInterval()).isEqualTo(RecoveryScheduler.DEFAULT_INTERVAL);
        assertThat(new TccRecoveryProperties().getCleanup().getRetention()).isEqualTo(Cleanup.DEFAULT_RETENTION);
    }
}
