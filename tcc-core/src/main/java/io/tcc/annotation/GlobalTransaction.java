package io.tcc.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Runs the method as a global TCC transaction: the {@link Try} methods it calls become its branches. Returning
 * normally confirms every branch; throwing cancels every branch and rethrows the same exception. Called inside
 * another global transaction, it joins that one.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface GlobalTransaction {

    /**
     * How long the tries may take, in milliseconds. A try begun past it is refused, so the transaction cancels; once
     * every try has succeeded, the method may return later and the transaction still confirms, unless it was still
     * undecided after this timeout plus {@code tcc.recovery-margin}, when recovery cancels it.
     */
    long timeoutMillis() default 30_000;

    /** A name for operators; the method's class and name when empty. */
    String name() default "";

    /**
     * Whether the caller waits for phase two ({@link PhaseTwoMode#SYNC}, the default) or is answered as soon as the
     * decision is durable ({@link PhaseTwoMode#ASYNC}). A choice bound on the calling thread for one request
     * ({@code io.tcc.global.PhaseTwoChoice}) wins over this default.
     */
    PhaseTwoMode phaseTwo() default PhaseTwoMode.SYNC;
}
