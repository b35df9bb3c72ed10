package io.tcc.explorer;

import java.time.Instant;

import io.tcc.global.BranchRecord;
import io.tcc.global.Participant;
import io.tcc.participant.LocalParticipant;

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
    public void confirm(BranchRecord branch, Instant deadline) throws Throwable {
        delegate.confirm(branch, deadline);
    }

    @Override
    public void cancel(BranchRecord branch, Instant deadline) throws Throwable {
        delegate.cancel(branch, deadline);
    }
}
