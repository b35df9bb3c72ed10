package io.tcc.participant;

import io.tcc.TccException;

/**
 * A try's arguments could not be turned into the text the fence records (nothing was recorded, the try did not run),
 * or a recorded text could not be turned back into arguments for confirm or cancel (the branch keeps its state). The
 * message names the try method and what to change.
 */
public final class ArgumentCodecException extends TccException {

    public ArgumentCodecException(String message, Throwable cause) {
        super(message, cause);
    }
}
