package io.tcc.participant;

import java.lang.reflect.Method;

/**
 * Turns a try's arguments into the text the fence records, and back for confirm and cancel. The encoding must fit the
 * fence's {@code args} column (65,535 bytes) and decode in another process after a restart.
 */
public interface ArgumentCodec {

    String encode(Method tryMethod, Object[] args);

    Object[] decode(Method tryMethod, String encoded);
}
