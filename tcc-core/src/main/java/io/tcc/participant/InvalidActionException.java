package io.tcc.participant;

import io.tcc.TccException;

/** A TCC action is declared wrongly; raised at start-up (or first use), naming the class and method to fix. */
public class InvalidActionException extends TccException {

    public InvalidActionException(String message) {
        super(message);
    }
}
