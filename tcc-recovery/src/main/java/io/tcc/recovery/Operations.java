package io.tcc.recovery;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.tcc.BadInputException;
import io.tcc.global.BranchRecord;
import io.tcc.global.GlobalRecord;
import io.tcc.global.GlobalState;
import io.tcc.global.LogStore;
import io.tcc.global.PhaseTwo;

/**
 * What an operator can do with the log: list transactions by state, age and flag; show one with its branches and
 * attempts; retry one now; resolve a flagged one by hand with a reason that stays on its row. A resolution is only ever
 * one the protocol allows: confirm-all for a transaction decided CONFIRM, cancel-all for one that is undecided or decided
 * CANCEL.
 */
public final class Operations {

    private static final Logger log = LoggerFactory.getLogger(Operations.class);
    private static final int MAX_REASON_LENGTH = 900;

    public enum Resolution { CONFIRM_ALL, CANCEL_ALL }

    /** One transaction with its branches. */
    public record TransactionView(GlobalRecord transaction, List<BranchRecord> branches) {
    }

    private final LogStore store;
    private final PhaseTwo phaseTwo;

    /**
     * @param store    the initiator's log, which operators list, show, flag and resolve
     * @param phaseTwo the initiator's phase two, which drives a retried or resolved transaction now
     */
    public Operations(LogStore store, PhaseTwo phaseTwo) {
        this.store = Objects.requireNonNull(store, "store");
        this.phaseTwo = Objects.requireNonNull(phaseTwo, "phaseTwo");
    }

    /**
     * @param state       only this state, or null for any
     * @param flaggedOnly only transactions waiting for an operator
     * @param olderThan   only transactions created at least this long ago
     * @param limit       at most this many, oldest first (1 to 1000)
     */
    public List<GlobalRecord> list(GlobalState state, boolean flaggedOnly, Duration olderThan, int limit) {
        if (limit < 1 || limit > 1000) {
            throw new BadInputException("limit must be between 1 and 1000, was " + limit);
        }
        if (olderThan == null || olderThan.isNegative()) {
            throw new BadInputException("olderThan must be zero or positive");
        }
        return store.list(state, flaggedOnly, olderThan, limit);
    }

    public Optional<TransactionView> show(String xid) {
        return store.find(xid).map(tx -> new TransactionView(tx, store.branches(xid)));
    }

    /** Clears the flag and drives the transaction once now; recovery keeps going with it if it still cannot finish. */
    public GlobalState retryNow(String xid) {
        if (!store.retryNow(xid)) {
            throw new OperatorActionRefusedException(describe(xid) + ": only an unfinished transaction can be retried");
        }
        log.warn("operator retries {} now", xid);
        return phaseTwo.resume(xid).orElseThrow();
    }

    /**
     * Decides a flagged or stuck transaction by hand as far as the protocol allows, records the reason on its row and
     * drives it now.
     *
     * @throws OperatorActionRefusedException when the protocol forbids it (confirm-all of a transaction not decided
     *                                        CONFIRM, cancel-all of one decided CONFIRM, anything on a finished one)
     */
    public GlobalState resolve(String xid, Resolution resolution, String reason) {
        if (reason == null || reason.isBlank()) {
            throw new BadInputException("a reason is required to resolve a transaction by hand");
        }
        if (reason.length() > MAX_REASON_LENGTH) {
            throw new BadInputException("the reason has " + reason.length() + " characters; at most " + MAX_REASON_LENGTH);
        }
        GlobalRecord tx = store.find(xid).orElseThrow(() -> new BadInputException("no transaction " + xid + " in the log"));
        GlobalState state = tx.state();
        if (resolution == Resolution.CANCEL_ALL && state == GlobalState.TRYING) {
            state = phaseTwo.decideCancel(xid);
        }
        GlobalState allowed = resolution == Resolution.CONFIRM_ALL ? GlobalState.CONFIRMING : GlobalState.CANCELLING;
        if (state != allowed) {
            throw new OperatorActionRefusedException(resolution + " of " + xid + " is not allowed: it is " + state
                    + (resolution == Resolution.CONFIRM_ALL
                            ? "; only a transaction decided CONFIRM (every try succeeded) can be confirmed"
                            : "; a transaction decided CONFIRM is never cancelled"));
        }
        if (!store.resolve(xid, state, "operator " + resolution + ": " + reason)) {
            throw new OperatorActionRefusedException(xid + " changed while it was being resolved; look at it again");
        }
        log.warn("operator resolves {} as {}: {}", xid, resolution, reason);
        return phaseTwo.resume(xid).orElseThrow();
    }

    private String describe(String xid) {
        return store.find(xid).map(tx -> xid + " is " + tx.state()).orElse("no transaction " + xid);
    }
}
