package io.tcc.recovery;

import io.tcc.TccException;

/** An operator asked for what the protocol forbids (confirming a transaction whose tries did not all succeed...). */
public class OperatorActionRefusedException extends TccException {

    public OperatorActionRefusedException(String message) {
        super(message);
    }
}
