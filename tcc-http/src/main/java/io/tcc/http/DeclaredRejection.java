package io.tcc.http;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.List;

import io.tcc.participant.InvalidActionException;

/**
 * What a {@link RemoteParticipant} client's method throws for a try that did not succeed: a business refusal as the one
 * exception type the method declares (with a public {@code (String)} constructor), else as
 * {@link RemoteBusinessRejection}; anything else as {@link RemoteBranchException}. Read once per method, when the
 * client is made, so a declaration that cannot work fails then.
 */
final class DeclaredRejection {

    /** The declared type's constructor, or null to throw {@link RemoteBusinessRejection} itself. */
    private final Constructor<? extends Exception> constructor;

    private DeclaredRejection(Constructor<? extends Exception> constructor) {
        this.constructor = constructor;
    }

    /** @throws InvalidActionException when the method declares more than one type, or one without a (String) constructor */
    static DeclaredRejection of(Method method) {
        // a declared Exception, RuntimeException or TccException already lets RemoteBusinessRejection through
        List<Class<?>> own = Arrays.stream(method.getExceptionTypes())
                .filter(type -> Exception.class.isAssignableFrom(type) && !type.isAssignableFrom(RemoteBusinessRejection.class))
                .toList();
        String where = method.getDeclaringClass().getName() + "." + method.getName() + "()";
        if (own.isEmpty()) {
            return new DeclaredRejection(null);
        }
        if (own.size() > 1) {
            throw new InvalidActionException(where + " declares " + own.size() + " exceptions " + own + ": a remote"
                    + " participant's business refusal can only become one of them; declare at most one");
        }
        try {
            Constructor<? extends Exception> constructor = own.get(0).asSubclass(Exception.class).getConstructor(String.class);
            constructor.trySetAccessible(); // a public constructor of a nested, non-public class
            return new DeclaredRejection(constructor);
        } catch (NoSuchMethodException e) {
            throw new InvalidActionException(where + " declares " + own.get(0).getName() + ", which has no public (String)"
                    + " constructor: a business refusal becomes that exception with the participant's message; add one");
        }
    }

    Exception failure(String participant, String action, CallResult result) {
        if (!RemoteBusinessRejection.isBusinessRejection(result)) {
            return new RemoteBranchException(participant, action, "try", result);
        }
        RemoteBusinessRejection rejection = new RemoteBusinessRejection(participant, action, result);
        if (constructor == null) {
            return rejection;
        }
        try {
            Exception declared = constructor.newInstance(rejection.participantMessage());
            if (declared.getCause() == null) {
                declared.initCause(rejection);
            }
            return declared;
        } catch (InvocationTargetException | InstantiationException | IllegalAccessException e) {
            rejection.addSuppressed(e);
            return rejection;
        }
    }
}
