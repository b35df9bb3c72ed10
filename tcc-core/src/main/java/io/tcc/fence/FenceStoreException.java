package io.tcc.fence;

import io.tcc.TccException;

/**
 * The fence table could not be read or written (connection lost, table missing, a row this version cannot read).
 * The local transaction was rolled back; the call's outcome is "not done" and it may be retried once the
 * cause named in the message is fixed.
 */
public class FenceStoreException extends TccException {

    public FenceStoreException(String message, Throwable cause) {
        super(message, cause);
    }

    public FenceStoreException(String message) {
        super(message);
    }
}
