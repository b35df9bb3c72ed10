package io.tcc.participant;

import java.time.Instant;
import java.util.Objects;

import io.tcc.context.BranchContext;
import io.tcc.fence.BranchCallback;
import io.tcc.fence.BranchKey;
import io.tcc.fence.Fence;
import io.tcc.global.BranchRecord;
import io.tcc.global.Participant;

/**
 * The participant inside the initiator's own process: its actions' tries, confirms and cancels run through this
 * process's fence, with confirm and cancel replaying the arguments the fence recorded at try time.
 */
public final class LocalParticipant implements Participant {

    public static final String NAME = "local";

    private final Fence fence;
    private final ActionRegistry registry;
    private final ArgumentCodec codec;

    public LocalParticipant(Fence fence, ActionRegistry registry, ArgumentCodec codec) {
        this.fence = Objects.requireNonNull(fence, "fence");
        this.registry = Objects.requireNonNull(registry, "registry");
        this.codec = Objects.requireNonNull(codec, "codec");
    }

    @Override
    public String name() {
        return NAME;
    }

    public Fence fence() {
        return fence;
    }

    public ActionRegistry registry() {
        return registry;
    }

    /** Runs the business try through the fence, recording its arguments; returns what the business method returned. */
    public <T> T tryAction(ActionDescriptor action, BranchKey key, Instant deadline, Object[] args,
                           BranchCallback<T> business) throws Throwable {
        return fence.tryBranch(key, action.action(), codec.encode(action.tryMethod(), args), deadline, business).value();
    }

    @Override
    public void confirm(BranchRecord branch, Instant deadline) throws Throwable {
        ActionDescriptor action = registry.forAction(branch.action());
        fence.confirm(branch.key(), action.action(), tried -> action.confirm(
                codec.decode(action.tryMethod(), tried.args()), context(branch, deadline)));
    }

    @Override
    public void cancel(BranchRecord branch, Instant deadline) throws Throwable {
        ActionDescriptor action = registry.forAction(branch.action());
        fence.cancel(branch.key(), action.action(), deadline, tried -> action.cancel(
                codec.decode(action.tryMethod(), tried.args()), context(branch, deadline)));
    }

    private static BranchContext context(BranchRecord branch, Instant deadline) {
        return new BranchContext(branch.xid(), branch.branchId(), branch.action(), deadline);
    }
}
