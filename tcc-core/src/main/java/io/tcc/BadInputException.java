package io.tcc;

/**
 * A call named a malformed xid, branch id or action, an oversized field, or an impossible deadline.
 * Nothing was written; the caller must fix its input, retrying the same call cannot succeed.
 */
public class BadInputException extends TccException {

    public BadInputException(String message) {
        super(message);
    }
}
