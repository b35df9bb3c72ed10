package io.tcc.recovery.daemon;

import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;

/** Settings of the standalone recovery daemon, under {@code tcc.daemon.*}. */
@ConfigurationProperties("tcc.daemon")
public class RecoveryDaemonProperties {

    /**
     * Base URLs of participants by name, where their participant endpoints are served. Required for "local" (the
     * initiator's own branches, whose rows have no endpoint: its instances' address); for a remote participant it
     * replaces the endpoint its branch rows hold, whatever it is. Without one, a row's literal URL is called as it is
     * and a row's logical address {@code serviceclient:<name>} through {@code spring.http.serviceclient.<name>.base-url}.
     */
    private final Map<String, String> participants = new LinkedHashMap<>();

    public Map<String, String> getParticipants() {
        return participants;
    }
}
