package io.tcc.spring;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.context.annotation.Import;

import io.tcc.participant.Interception;

/**
 * Turns on TCC for a Spring application: {@code @GlobalTransaction} methods start global transactions and {@code @Try}
 * methods become branches, backed by a fence and a coordinator on the application's DataSource and transaction manager.
 *
 * <p>{@link #mode()} chooses how methods are intercepted, exactly as {@code @EnableTransactionManagement} does:
 * <ul>
 * <li>{@link Interception#PROXY} (default): Spring AOP proxies. Only calls made through the proxy are intercepted: a
 *     bean calling its own {@code @Try} method runs it as a plain local call, outside the fence; and only public,
 *     overridable methods can be. Start-up refuses {@code @Try} methods a proxy cannot intercept.</li>
 * <li>{@link Interception#ASPECTJ}: the classes are compiled with {@code tcc-spring-aop} as an AspectJ aspect library
 *     (see {@code docs/getting-started.md}); every call is intercepted, self-invocation and objects Spring does not
 *     create included.</li>
 * </ul>
 * Only the chosen mechanism intercepts: the woven aspect does nothing unless AspectJ mode is enabled, and AspectJ mode
 * creates no proxies.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@Import(TccConfigurationSelector.class)
public @interface EnableTcc {

    /** The same choice as {@code tcc.mode} in a Boot application. */
    Interception mode() default Interception.PROXY;

    /** With proxies: subclass the target class (true) rather than proxy its interfaces. */
    boolean proxyTargetClass() default true;
}
