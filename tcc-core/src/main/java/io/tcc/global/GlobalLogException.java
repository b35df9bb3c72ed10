package io.tcc.global;

import io.tcc.TccException;

/**
 * The initiator's global log could not be read or written. Whatever was being written is not durable (unless its
 * commit failed, which the message then says: it may be): a registration means the try was not sent; a decision means
 * the transaction is still TRYING and recovery will cancel it after its deadline plus {@code tcc.recovery-margin}.
 */
public class GlobalLogException extends TccException {

    public GlobalLogException(String message, Throwable cause) {
        super(message, cause);
    }
}
