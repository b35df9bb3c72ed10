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
        return tryBranch(action, key, deadline, encode(action, args), business);
    }

    /** Like {@link #tryBranch(ActionDescriptor, BranchKey, Instant, Object[], BranchCallback)}, arguments encoded. */
    public <T> FenceResult<T> tryBranch(ActionDescriptor action, BranchKey key, Instant deadline, String encodedArgs,
                                        BranchCallback<T> business) throws Throwable {
        return fence.tryBranch(key, action.action(), encodedArgs, deadline, business);
    }

    /** The try's arguments as the fence records them: what a confirm or cancel may carry back. */
    public String encode(ActionDescriptor action, Object[] args) {
        return codec.encode(action.tryMethod(), args);
    }

    /** Carries the try's encoded arguments when the initiator kept them, so the fence need not read them back. */
    @Override
    public void confirm(PendingBranch branch) throws Throwable {
        phaseTwo(FencePhase.CONFIRM, branch.key(), branch.action(), branch.deadline(), branch.triedArgs(), null);
    }

    @Override
    public void cancel(PendingBranch branch) throws Throwable {
        phaseTwo(FencePhase.CANCEL, branch.key(), branch.action(), branch.deadline(), branch.triedArgs(), null);
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
        return phaseTwo(FencePhase.CONFIRM, key, actionName, deadline, null, null);
    }

    /**
     * Runs the action's confirm through the fence with the try's arguments as a remote initiator carried them, bound
     * as strictly as the try's: the fence checks their encoding against the row in its compare-and-set, and runs the
     * confirm with them without reading the row back (with the row's own, should they differ).
     */
    public FenceResult<Object> confirm(BranchKey key, String actionName, Instant deadline, Object[] carried)
            throws Throwable {
        return phaseTwo(FencePhase.CONFIRM, key, actionName, deadline, null, carried);
    }

    /** Runs the action's cancel through the fence, replaying the recorded try arguments (nothing runs when empty). */
    public FenceResult<Object> cancel(BranchKey key, String actionName, Instant deadline) throws Throwable {
        return phaseTwo(FencePhase.CANCEL, key, actionName, deadline, null, null);
    }

    /** Like {@link #confirm(BranchKey, String, Instant, Object[])}, for a cancel. */
    public FenceResult<Object> cancel(BranchKey key, String actionName, Instant deadline, Object[] carried)
            throws Throwable {
        return phaseTwo(FencePhase.CANCEL, key, actionName, deadline, null, carried);
    }

    /**
     * A confirm or cancel through the fence. The try's arguments come encoded ({@code triedArgs}, as this initiator
     * kept them), as objects ({@code carried}, bound from a remote initiator's body), or not at all (read from the row);
     * the business method gets the carried objects when the row holds exactly their encoding, else the row's decoded.
     */
    private FenceResult<Object> phaseTwo(FencePhase phase, BranchKey key, String actionName, Instant deadline,
                                         String triedArgs, Object[] carried) throws Throwable {
        ActionDescriptor action = registry.forAction(actionName);
        String encoded = carried != null ? encode(action, carried) : triedArgs;
        ReplayCallback<Object> replay = replay(phase, action, key, deadline, encoded, carried);
        return phase == FencePhase.CONFIRM ? fence.confirm(key, action.action(), deadline, encoded, replay)
                : fence.cancel(key, action.action(), deadline, encoded, replay);
    }

    /**
     * Runs the confirms (or cancels) of several branches in one local transaction, each replaying its own try (the
     * arguments carried with it, or else the recorded ones), each with its own answer (see {@link Fence#phaseTwoTogether}):
     * one branch's failure leaves the others committed.
     *
     * @param carried per branch, the try's arguments as a remote initiator carried them, or null (the list itself may
     *                be null: none carried)
     */
    public List<Fence.Settled> phaseTwoTogether(FencePhase phase, List<PendingBranch> branches, List<Object[]> carried) {
        List<Fence.PhaseTwoCall> calls = new ArrayList<>(branches.size());
        List<Fence.Settled> unknown = new ArrayList<>(branches.size());
        for (int i = 0; i < branches.size(); i++) {
            PendingBranch branch = branches.get(i);
            try {
                // an action this service does not serve fails its call alone, before anything runs (as alone)
                ActionDescriptor action = registry.forAction(branch.action());
                Object[] objects = carried == null ? null : carried.get(i);
                String encoded = objects != null ? encode(action, objects) : branch.triedArgs();
                calls.add(new Fence.PhaseTwoCall(branch.key(), phase, action.action(), branch.deadline(), encoded,
                        replay(phase, action, branch.key(), branch.deadline(), encoded, objects)));
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

    /** The business confirm or cancel: with the carried objects when the row holds exactly their encoding, else the row's decoded. */
    private ReplayCallback<Object> replay(FencePhase phase, ActionDescriptor action, BranchKey key, Instant deadline,
                                          String encoded, Object[] carried) {
        BranchContext context = context(key, action.action(), deadline);
        return tried -> {
            Object[] args = carried != null && encoded.equals(tried.args()) ? carried
                    : codec.decode(action.tryMethod(), tried.args());
            return phase == FencePhase.CONFIRM ? action.confirm(args, context) : action.cancel(args, context);
        };
    }

    private static BranchContext context(BranchKey key, String action, Instant deadline) {
        return new BranchContext(key.xid(), key.branchId(), action, deadline);
    }
}
