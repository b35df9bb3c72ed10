package io.tcc.explorer;

import io.tcc.participant.LocalParticipant;
import io.tcc.participant.Participant;
import io.tcc.participant.PendingBranch;

/**
 * A second participant inside the initiator's process, on a DataSource of its own: the real {@link LocalParticipant}
 * and fence, under a name of its own (the coordinator keeps only one participant named "local").
 */
final class NamedParticipant implements Participant {

    private final String name;
    private final LocalParticipant delegate;

    NamedParticipant(String name, LocalParticipant delegate) {
        this.name = name;
        this.delegate = delegate;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void confirm(PendingBranch branch) throws Throwable {
        delegate.confirm(branch);
    }

    @Override
    public void cancel(PendingBranch branch) throws Throwable {
        delegate.cancel(branch);
    }
}
