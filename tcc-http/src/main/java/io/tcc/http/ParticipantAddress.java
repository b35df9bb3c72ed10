package io.tcc.http;

/**
 * What a branch row's endpoint holds for a remote participant: a literal base URL ({@code http://inventory:8080}, from
 * a client made with {@link RemoteParticipants#create}), or the logical address {@code serviceclient:<group>} of a
 * client declared with {@link EnableRemoteParticipants}. A logical address is resolved at every call through that
 * HTTP service group's configuration as it is then ({@code spring.http.serviceclient.<group>.base-url}, or a load
 * balancer's service of that name), so a branch written before the participant moved still reaches it.
 */
public final class ParticipantAddress {

    /** Starts every logical address; the rest is the group's name, which is the participant's name. */
    public static final String GROUP_PREFIX = "serviceclient:";

    private ParticipantAddress() {
    }

    /** The logical address of HTTP service group {@code group}. */
    public static String ofGroup(String group) {
        return GROUP_PREFIX + group;
    }

    /** The group a logical address names, or null for a literal URL. */
    public static String group(String endpoint) {
        return endpoint.startsWith(GROUP_PREFIX) ? endpoint.substring(GROUP_PREFIX.length()) : null;
    }
}
