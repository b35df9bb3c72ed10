package io.tcc;

/**
 * Root of every exception the framework throws. Unchecked: the leaves say what happened and
 * carry the xid and branch they concern, so a handler can tell a refusal from a store failure.
 */
public abstract class TccException extends RuntimeException {

    protected TccException(String message) {
        super(message);
    }

    protected TccException(String message, Throwable cause) {
        super(message, cause);
    }
}
