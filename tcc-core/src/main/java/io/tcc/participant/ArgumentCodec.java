package io.tcc.participant;

import java.lang.reflect.Method;

/**
 * Turns a try's arguments into the text the fence records, and back for confirm and cancel. The encoding must fit the
 * fence's {@code args} column (65,535 bytes) and decode in another process after a restart.
 */
public interface ArgumentCodec {

    /** @throws ArgumentCodecException when the arguments cannot be recorded: nothing is, and the try does not run */
    String encode(Method tryMethod, Object[] args);

    /** @throws ArgumentCodecException when the text cannot be read back: the branch keeps its state */
    Object[] decode(Method tryMethod, String encoded);
}
