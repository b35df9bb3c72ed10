package io.tcc.spring;

import java.lang.reflect.Method;
import java.util.ArrayDeque;
import java.util.Deque;

import org.aspectj.lang.ProceedingJoinPoint;
import org.aspectj.lang.annotation.Around;
import org.aspectj.lang.annotation.Aspect;
import org.aspectj.lang.reflect.MethodSignature;

import io.tcc.interception.TccInterceptorSupport;

/**
 * The aspect woven at compile time into classes built with {@code tcc-spring-aop} on the aspect path. It intercepts the
 * execution of every {@code @Try} and {@code @GlobalTransaction} method, including calls a bean makes to itself and
 * methods of objects Spring never created, which proxies cannot reach.
 *
 * <p>It does nothing until {@code @EnableTcc(mode = Interception.ASPECTJ)} activates it, so a woven class used in proxy
 * mode is intercepted once, by its proxy. AspectJ makes one instance per class loader: when several application
 * contexts in one JVM activate it (tests do), the latest active one serves, and closing it restores the one before.
 */
@Aspect
public class TccAspect {

    private final Deque<TccInterceptorSupport> activations = new ArrayDeque<>();
    private volatile TccInterceptorSupport support;

    /** Called by AspectJ-mode configuration; not for applications. */
    public synchronized Activation activate(TccInterceptorSupport support) {
        activations.push(support);
        this.support = support;
        return () -> deactivate(support);
    }

    private synchronized void deactivate(TccInterceptorSupport support) {
        activations.remove(support);
        this.support = activations.peek();
    }

    /** Ends one activation when its application context closes. */
    public interface Activation extends AutoCloseable {
        @Override
        void close();
    }

    @Around("execution(* *(..)) && (@annotation(io.tcc.annotation.Try) || @annotation(io.tcc.annotation.GlobalTransaction))")
    public Object intercept(ProceedingJoinPoint joinPoint) throws Throwable {
        TccInterceptorSupport active = support;
        if (active == null) {
            return joinPoint.proceed();
        }
        Method method = ((MethodSignature) joinPoint.getSignature()).getMethod();
        return active.invoke(method, joinPoint.getThis(), joinPoint.getArgs(), joinPoint::proceed);
    }
}
