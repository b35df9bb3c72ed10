package io.tcc.http;

import java.time.Instant;
import java.util.Locale;
import java.util.function.UnaryOperator;

import io.tcc.BadInputException;
import io.tcc.Identifiers;
import io.tcc.fence.BranchKey;
import io.tcc.fence.FencePhase;

/**
 * One call from an initiator to a participant, as the wire carries it: the path names the action and phase, the
 * headers carry the transaction (see {@link TccHeaders}).
 */
public record BranchCall(String xid, String branchId, String action, Instant deadline, FencePhase phase) {

    public BranchKey key() {
        return new BranchKey(xid, branchId);
    }

    /** The path of this call under a participant's base URL. */
    public String path() {
        return path(action, phase);
    }

    /** The path of a batch of confirms or cancels: not an action's path, since no action name starts with '_'. */
    public static String batchPath(FencePhase phase) {
        return TccHeaders.PATH_PREFIX + BATCH + "/" + phase.name().toLowerCase(Locale.ROOT);
    }

    /** The path segment that stands where an action's name would for a batch. */
    public static final String BATCH = "_batch";

    public static String path(String action, FencePhase phase) {
        return TccHeaders.PATH_PREFIX + action + "/" + phase.name().toLowerCase(Locale.ROOT);
    }

    /**
     * Reads and checks a call from its path variables and headers.
     *
     * @throws BadInputException naming the header or path part that is missing or malformed; nothing was recorded
     */
    public static BranchCall parse(String pathAction, String pathPhase, UnaryOperator<String> header) {
        FencePhase phase = switch (pathPhase == null ? "" : pathPhase) {
            case "try" -> FencePhase.TRY;
            case "confirm" -> FencePhase.CONFIRM;
            case "cancel" -> FencePhase.CANCEL;
            default -> throw new BadInputException("unknown phase '" + pathPhase + "': use try, confirm or cancel");
        };
        String action = Identifiers.requireAction(pathAction);
        String headerAction = header.apply(TccHeaders.ACTION);
        if (headerAction != null && !headerAction.equals(action)) {
            throw new BadInputException("header " + TccHeaders.ACTION + " names another action than the path");
        }
        String xid = required(header, TccHeaders.XID);
        String branchId = required(header, TccHeaders.BRANCH);
        Identifiers.requireXid(xid);
        Identifiers.requireBranchId(branchId);
        String deadline = required(header, TccHeaders.DEADLINE);
        if (!deadline.matches("[0-9]{1,15}")) {
            throw new BadInputException("header " + TccHeaders.DEADLINE + " must be epoch milliseconds (digits only)");
        }
        return new BranchCall(xid, branchId, action, Instant.ofEpochMilli(Long.parseLong(deadline)), phase);
    }

    private static String required(UnaryOperator<String> header, String name) {
        String value = header.apply(name);
        if (value == null || value.isEmpty()) {
            throw new BadInputException("header " + name + " is missing");
        }
        return value;
    }
}
