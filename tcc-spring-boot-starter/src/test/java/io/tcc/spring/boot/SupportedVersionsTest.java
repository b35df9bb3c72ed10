package io.tcc.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringBootVersion;
import org.springframework.core.SpringVersion;

import io.tcc.TccSetupException;

class SupportedVersionsTest {

    @Test
    void bootThreeIsRefusedNamingTheFoundAndTheRequiredVersions() {
        assertThat(SupportedVersions.problem("3.5.6", "6.2.11", false))
                .contains("Spring Boot 4.x").contains("Spring Framework 7.x")
                .contains("found Spring Boot 3.5.6 with Spring Framework 6.2.11");
    }

    @Test
    void anOlderSpringFrameworkUnderBootFourIsRefused() {
        assertThat(SupportedVersions.problem("4.1.1", "6.2.11", false))
                .contains("Spring Framework 7.x").contains("found Spring Framework 6.2.11 under Spring Boot 4.1.1");
    }

    @Test
    void tccHttpWithoutJacksonThreeIsRefused() {
        assertThat(SupportedVersions.problem("4.1.1", "7.0.9", true)).contains("Jackson 3").contains("tools.jackson");
    }

    @Test
    void theSupportedGenerationsAndUnknownVersionsPass() {
        assertThat(SupportedVersions.problem("4.1.1", "7.0.9", false)).isNull();
        assertThat(SupportedVersions.problem("4.0.0-RC1", "7.0.0-SNAPSHOT", false)).isNull();
        assertThat(SupportedVersions.problem(null, null, false)).isNull(); // no manifest: nothing to compare
        // and the build's own
        assertThat(SupportedVersions.problem(SpringBootVersion.getVersion(), SpringVersion.getVersion(), false)).isNull();
    }

    @Test
    void theRefusalIsAnalysedWithTheVersionsAndWhatToUse() {
        TccSetupException refused = new TccSetupException(SupportedVersions.problem("3.5.6", "6.2.11", false), "Use Spring Boot 4.x");
        var analysis = new TccFailureAnalyzer().analyze(new IllegalStateException("wrapped", refused));
        assertThat(analysis.getDescription()).contains("found Spring Boot 3.5.6");
        assertThat(analysis.getAction()).isEqualTo("Use Spring Boot 4.x");
    }
}
