package io.tcc.http;

import java.nio.charset.StandardCharsets;

import io.tcc.fence.FencePhase;
import io.tcc.global.UnreachableBranchException;
import io.tcc.participant.Participant;
import io.tcc.participant.PendingBranch;

/**
 * Phase two for a remote participant, from the branch row alone: its endpoint (a literal URL, or a group's logical
 * address resolved now through that group's configuration) and action. Returns only on a definite success; otherwise
 * the branch stays pending with the observed outcome, for recovery.
 */
final class HttpParticipant implements Participant {

    private final HttpBranchTransport transport;
    private final String baseUrl;

    /** @param baseUrl where to reach it whatever its branch rows say, or null to use each row's endpoint */
    HttpParticipant(HttpBranchTransport transport, String baseUrl) {
        this.transport = transport;
        this.baseUrl = baseUrl;
    }

    @Override
    public String name() {
        return transport.participant();
    }

    @Override
    public void confirm(PendingBranch branch) {
        send(branch, FencePhase.CONFIRM);
    }

    @Override
    public void cancel(PendingBranch branch) {
        send(branch, FencePhase.CANCEL);
    }

    private void send(PendingBranch branch, FencePhase phase) {
        String endpoint = baseUrl != null ? baseUrl : branch.endpoint();
        if (endpoint == null) {
            throw new UnreachableBranchException("branch " + branch.key().branchId() + " of " + branch.key().xid()
                    + " (participant " + name() + ") has no endpoint in the log; configure where '" + name()
                    + "' is reached (tcc.daemon.participants." + name() + "), then retry the transaction");
        }
        BranchCall call = new BranchCall(branch.key().xid(), branch.key().branchId(), branch.action(), branch.deadline(),
                phase);
        // the try's body when this initiator kept it: the participant then need not read it back from its fence row
        byte[] body = branch.triedArgs() == null ? new byte[0] : branch.triedArgs().getBytes(StandardCharsets.UTF_8);
        CallResult result = transport.callRetrying(endpoint, call, body);
        if (result.noEndpoint()) {
            String group = ParticipantAddress.group(endpoint);
            throw new UnreachableBranchException(phase.name().toLowerCase() + " of branch " + branch.key().branchId() + " ("
                    + name() + " " + branch.action() + ") at " + endpoint + ": " + result.detail() + ". It cannot finish"
                    + " until that is fixed: serve the participant endpoints there (tcc.http.participant.enabled=true, the"
                    + " default, in the service that owns '" + name() + "'), or point " + (baseUrl != null
                    ? "tcc.daemon.participants." + name() : group != null ? "spring.http.serviceclient." + group
                    + ".base-url" : "the participant's client") + " at where they are served; then retry the transaction");
        }
        if (result.outcome() != Outcome.SUCCESS) {
            throw new RemoteBranchException(name(), branch.action(), phase.name().toLowerCase(), result);
        }
    }
}
