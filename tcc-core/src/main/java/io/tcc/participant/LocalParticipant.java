package io.tcc.participant;

import java.lang.reflect.InvocationTargetException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;

import io.tcc.context.BranchContext;
import io.tcc.fence.BranchCallback;
import io.tcc.fence.BranchKey;
import io.tcc.fence.Fence;
import io.tcc.fence.FencePhase;
import io.tcc.fence.FenceResult;
import io.tcc.fence.ReplayCallback;

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

    /** Runs the business try through the fence, recording its arguments for confirm and cancel to replay. */
    public <T> FenceResult<T> tryBranch(ActionDescriptor action, BranchKey key, Instant deadline, Object[] args,
                                        BranchCallback<T> business) throws Throwable {
        return fence.tryBranch(key, action.action(), codec.encode(action.tryMethod(), args), deadline, business);
    }

    @Override
    public void confirm(PendingBranch branch) throws Throwable {
        confirm(branch.key(), branch.action(), branch.deadline());
    }

    @Override
    public void cancel(PendingBranch branch) throws Throwable {
        cancel(branch.key(), branch.action(), branch.deadline());
    }

    /**
     * Runs an action's try for an initiator in another process: invokes its try method here, through the fence, with
     * interception standing aside (the fence already guards the call; this thread runs no transaction of its own).
     *
     * @throws BusinessMethodException wrapping what the try method threw: a business refusal, nothing recorded
     */
    public FenceResult<Object> tryForCaller(ActionDescriptor action, BranchKey key, Instant deadline, Object[] args)
            throws Throwable {
        return tryBranch(action, key, deadline, args, () -> ParticipantExecution.run(() -> {
            try {
                return action.tryMethod().invoke(action.bean(), args);
            } catch (InvocationTargetException e) {
                throw new BusinessMethodException(e.getCause());
            }
        }));
    }

    /** True while this thread runs a try for a caller ({@link #tryForCaller}): interception lets it run as it is. */
    public static boolean isRunningForCaller() {
        return ParticipantExecution.isActive();
    }

    /** Runs the action's confirm through the fence, replaying the recorded try arguments. */
    public FenceResult<Object> confirm(BranchKey key, String actionName, Instant deadline) throws Throwable {
        ActionDescriptor action = registry.forAction(actionName);
        return fence.confirm(key, action.action(), deadline, tried -> action.confirm(
                codec.decode(action.tryMethod(), tried.args()), context(key, actionName, deadline)));
    }

    /** Runs the action's cancel through the fence, replaying the recorded try arguments (nothing runs when empty). */
    public FenceResult<Object> cancel(BranchKey key, String actionName, Instant deadline) throws Throwable {
        ActionDescriptor action = registry.forAction(actionName);
        return fence.cancel(key, action.action(), deadline, tried -> action.cancel(
                codec.decode(action.tryMethod(), tried.args()), context(key, actionName, deadline)));
    }

    /**
     * Runs the confirms (or cancels) of several branches in one local transaction, each replaying its own recorded try,
     * each with its own answer (see {@link Fence#phaseTwoTogether}): one branch's failure leaves the others committed.
     */
    public List<Fence.Settled> phaseTwoTogether(FencePhase phase, List<PendingBranch> branches) {
        List<Fence.PhaseTwoCall> calls = new ArrayList<>(branches.size());
        List<Fence.Settled> unknown = new ArrayList<>(branches.size());
        for (PendingBranch branch : branches) {
            try {
                // an action this service does not serve fails its call alone, before anything runs (as alone)
                ActionDescriptor action = registry.forAction(branch.action());
                calls.add(new Fence.PhaseTwoCall(branch.key(), phase, action.action(), branch.deadline(),
                        replay(phase, action, branch.key(), branch.deadline())));
                unknown.add(null);
            } catch (RuntimeException e) {
                unknown.add(new Fence.Settled(null, e));
            }
        }
        Iterator<Fence.Settled> ran = fence.phaseTwoTogether(calls).iterator();
        List<Fence.Settled> settled = new ArrayList<>(branches.size());
        for (Fence.Settled refused : unknown) {
            settled.add(refused != null ? refused : ran.next());
        }
        return settled;
    }

    private ReplayCallback<Object> replay(FencePhase phase, ActionDescriptor action, BranchKey key, Instant deadline) {
        BranchContext context = context(key, action.action(), deadline);
        return tried -> {
            Object[] args = codec.decode(action.tryMethod(), tried.args());
            return phase == FencePhase.CONFIRM ? action.confirm(args, context) : action.cancel(args, context);
        };
    }

    private static BranchContext context(BranchKey key, String action, Instant deadline) {
        return new BranchContext(key.xid(), key.branchId(), action, deadline);
    }
}
