package io.tcc.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks the cancel of a TCC action: it releases what the try reserved. The framework calls it when the transaction
 * is cancelled, in one local transaction with the fence row, at most once per branch; if the try never ran here
 * (an empty rollback), the cancel is recorded and this method is not called.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Cancel {

    /** The action this cancels; may be left empty when the bean has exactly one {@link Try}. */
    String value() default "";
}
