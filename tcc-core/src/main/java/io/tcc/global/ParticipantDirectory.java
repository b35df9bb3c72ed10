package io.tcc.global;

import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import io.tcc.participant.LocalParticipant;
import io.tcc.participant.Participant;

/** Who finishes a branch: the participant named in its row, inside this process or reached over its protocol. */
public final class ParticipantDirectory {

    private final Map<String, Participant> participants = new ConcurrentHashMap<>();
    private final LocalParticipant local;
    private volatile Function<String, Participant> reachOthers;

    ParticipantDirectory(LocalParticipant local) {
        this.local = local;
        if (local != null) {
            participants.put(local.name(), local);
        }
    }

    /** Makes a remote participant reachable for phase two and recovery, under the name its branch rows carry. */
    public void add(Participant participant) {
        participants.put(participant.name(), participant);
    }

    /**
     * How to reach participants that were not added by name: a process without the application's code (the standalone
     * recovery daemon) reaches every participant, the initiator's own local one included, over its endpoints.
     */
    public void reachOthersWith(Function<String, Participant> reach) {
        this.reachOthers = Objects.requireNonNull(reach, "reach");
    }

    /** The participant inside this process, or null. */
    LocalParticipant local() {
        return local;
    }

    /** @throws UnreachableBranchException when nothing here can reach the branch's participant */
    Participant forBranch(BranchRecord branch) {
        Function<String, Participant> reach = reachOthers;
        Participant participant = reach == null ? participants.get(branch.participant())
                : participants.computeIfAbsent(branch.participant(), reach);
        if (participant == null) {
            throw new UnreachableBranchException("branch " + branch.branchId() + " of " + branch.xid() + " belongs to"
                    + " participant '" + branch.participant() + "', which this process cannot reach: add it to the"
                    + " coordinator's participants (a @RemoteParticipant client does), then retry the transaction");
        }
        return participant;
    }
}
