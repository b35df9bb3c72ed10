package io.tcc.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks the try of a TCC action: it checks and reserves a resource. Called inside a global transaction, it registers
 * a branch in the initiator's log first, then runs in one local transaction with the participant's fence row, so a
 * cancel that overtook it refuses it and a repeat runs nothing.
 *
 * <p>The same bean must have a {@link Confirm} and a {@link Cancel} method for the action; both may take the try's
 * parameters (replayed from what the fence recorded at try time), a {@link io.tcc.context.BranchContext}, or both.
 * Keep effects outside the local database (caches, messages, remote calls) out of the try: they do not roll back
 * with it. Put them in confirm.
 *
 * <p>With Spring AOP proxies the method must be public, non-final, and called through the proxy (not from the same
 * bean); with AspectJ weaving any method works. See {@code docs/getting-started.md}.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Try {

    /** The action's name, unique in the application: letters, digits, {@code . _ -}, starting with a letter. */
    String value();
}
