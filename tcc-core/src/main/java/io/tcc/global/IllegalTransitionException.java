package io.tcc.global;

import io.tcc.TccException;

/** A state change the state machine does not allow; it names the machine, the from state and the to state. */
public class IllegalTransitionException extends TccException {

    private final Enum<?> from;
    private final Enum<?> to;

    public IllegalTransitionException(String what, Enum<?> from, Enum<?> to) {
        super("illegal " + what + " transition " + from + " -> " + to);
        this.from = from;
        this.to = to;
    }

    public Enum<?> from() {
        return from;
    }

    public Enum<?> to() {
        return to;
    }
}
