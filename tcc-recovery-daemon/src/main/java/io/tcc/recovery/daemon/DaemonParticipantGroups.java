package io.tcc.recovery.daemon;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.type.AnnotationMetadata;

import io.tcc.http.RemoteParticipantsRegistrar;

/**
 * The daemon's participants as HTTP service groups, as an initiator declares them: one for each name under
 * {@code spring.http.serviceclient.<name>.*} or {@code tcc.daemon.participants.<name>}. So a branch row holding the
 * logical address {@code serviceclient:<name>} is resolved through {@code spring.http.serviceclient.<name>.base-url}
 * (or a load balancer's service of that name), and every call to {@code <name>} takes that group's client settings.
 */
class DaemonParticipantGroups extends RemoteParticipantsRegistrar {

    @Override
    protected void registerHttpServices(GroupRegistry groups, AnnotationMetadata importing) {
        Binder settings = Binder.get(environment());
        Set<String> names = new TreeSet<>();
        names.addAll(settings.bind("spring.http.serviceclient", Bindable.mapOf(String.class, Object.class))
                .orElse(Map.of()).keySet());
        names.addAll(settings.bind("tcc.daemon.participants", Bindable.mapOf(String.class, String.class))
                .orElse(Map.of()).keySet());
        names.forEach(name -> registerParticipant(groups, name));
    }
}
