package io.tcc.http;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.core.Ordered;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.support.RestClientHttpServiceGroupConfigurer;

/**
 * Adds TCC's guards and signing ({@link RemoteParticipants#configure}) to the client of every HTTP service group that
 * serves a participant's {@link BranchExchange}, after Boot's properties and customizers (and a configurer of the
 * application's at the default order) have configured it; other groups are left alone.
 */
final class ParticipantGroupConfigurer implements RestClientHttpServiceGroupConfigurer {

    private final ObjectProvider<RemoteParticipants> participants;

    ParticipantGroupConfigurer(ObjectProvider<RemoteParticipants> participants) {
        this.participants = participants;
    }

    @Override
    public void configureGroups(Groups<RestClient.Builder> groups) {
        groups.filter(group -> group.httpServiceTypes().contains(BranchExchange.class))
                .forEachClient((group, client) -> participants.getObject().configure(group.name(), client));
    }

    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE;
    }
}
