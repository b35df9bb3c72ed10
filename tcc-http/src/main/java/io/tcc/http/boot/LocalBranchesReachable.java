package io.tcc.http.boot;

import java.util.TreeSet;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;

import io.tcc.TccSetupException;
import io.tcc.http.ParticipantEndpoint;
import io.tcc.participant.ActionRegistry;

/**
 * Refuses start-up when nothing could ever finish this service's own (local) branches: it has actions, no recovery
 * runs inside it, and it serves no participant endpoints, through which a standalone daemon would reach them. Such a
 * branch left by a crash would stay tried (frozen stock, a pending order) for good.
 */
final class LocalBranchesReachable implements SmartInitializingSingleton {

    private final ObjectProvider<ActionRegistry> registry;
    private final ObjectProvider<ParticipantEndpoint> endpoint;

    LocalBranchesReachable(ObjectProvider<ActionRegistry> registry, ObjectProvider<ParticipantEndpoint> endpoint) {
        this.registry = registry;
        this.endpoint = endpoint;
    }

    @Override
    public void afterSingletonsInstantiated() {
        ActionRegistry actions = registry.getIfAvailable();
        if (actions == null || actions.actions().isEmpty() || endpoint.getIfAvailable() != null) {
            return;
        }
        throw new TccSetupException("this service has local TCC actions " + new TreeSet<>(actions.actions())
                + " but nothing could finish them after a crash: recovery does not run in it (tcc.recovery.enabled=false,"
                + " or tcc-recovery is not on the classpath) and it serves no participant endpoints for a standalone"
                + " recovery daemon (tcc.http.participant.enabled=false, or not a servlet web application)", "Turn one on:"
                + " tcc.recovery.enabled=true with tcc-recovery, or tcc.http.participant.enabled=true in a web"
                + " application, with the daemon's tcc.daemon.participants.local pointing at it");
    }
}
