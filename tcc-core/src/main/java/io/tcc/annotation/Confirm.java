package io.tcc.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks the confirm of a TCC action: it consumes what the try reserved. The framework calls it (never call it
 * yourself) once every try of the transaction succeeded, in one local transaction with the fence row, at most once
 * per branch however often phase two or recovery repeats it. A failing confirm is retried as a confirm.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Confirm {

    /** The action this confirms; may be left empty when the bean has exactly one {@link Try}. */
    String value() default "";
}
