package io.tcc.participant;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;

/**
 * How {@code @Try} and {@code @GlobalTransaction} methods are intercepted; it decides which methods can be. The one
 * type for the choice: {@code tcc.mode} and {@code @EnableTcc(mode = ...)} take it too.
 */
public enum Interception {
    /** Spring AOP proxies: public, non-final, non-static methods of non-final classes, called through the proxy. */
    PROXY,
    /** AspectJ compile-time weaving: any method of a woven class, also when the bean calls itself. */
    ASPECTJ;

    /**
     * Why this mechanism cannot intercept {@code method} of an object of class {@code type} ("private", "final",
     * ...), or null when it can. Whether a class was woven at all is for the AspectJ configuration to check.
     */
    public String cannotIntercept(Method method, Class<?> type) {
        int modifiers = method.getModifiers();
        if (this != PROXY) {
            return null;
        }
        return Modifier.isStatic(modifiers) ? "static" : Modifier.isPrivate(modifiers) ? "private"
                : Modifier.isFinal(modifiers) ? "final" : !Modifier.isPublic(modifiers) ? "not public"
                : Modifier.isFinal(type.getModifiers()) ? "in a final class" : null;
    }
}
