package io.tcc.interception;

import java.lang.reflect.Method;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

import io.tcc.annotation.GlobalTransaction;
import io.tcc.annotation.Try;
import io.tcc.global.Coordinator;
import io.tcc.participant.ActionRegistry;
import io.tcc.participant.LocalParticipant;

/**
 * What every interception mechanism calls for a method annotated {@link GlobalTransaction} or {@link Try}: the Spring
 * AOP interceptor and the AspectJ aspect only turn their "proceed" into the {@link Invocation} callback. Annotations are
 * read once per method.
 */
public final class TccInterceptorSupport {

    /** The intercepted method's own body. */
    @FunctionalInterface
    public interface Invocation {
        Object proceed() throws Throwable;
    }

    private record Plan(GlobalTransaction global, boolean isTry) {
    }

    private final Coordinator coordinator;
    private final ActionRegistry registry;
    private final Map<Method, Plan> plans = new ConcurrentHashMap<>();

    public TccInterceptorSupport(Coordinator coordinator, ActionRegistry registry) {
        this.coordinator = Objects.requireNonNull(coordinator, "coordinator");
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    /**
     * @param method the method as declared on the target's class (not an interface's)
     * @param target the object whose method runs
     */
    public Object invoke(Method method, Object target, Object[] args, Invocation invocation) throws Throwable {
        Plan plan = plans.computeIfAbsent(method,
                m -> new Plan(m.getAnnotation(GlobalTransaction.class), m.isAnnotationPresent(Try.class)));
        if (plan.global() == null) {
            return plan.isTry() ? tryBranch(method, target, args, invocation) : invocation.proceed();
        }
        String name = plan.global().name().isEmpty()
                ? method.getDeclaringClass().getSimpleName() + "." + method.getName() : plan.global().name();
        return coordinator.execute(name, Duration.ofMillis(plan.global().timeoutMillis()), plan.global().phaseTwo(),
                () -> plan.isTry() ? tryBranch(method, target, args, invocation) : invocation.proceed());
    }

    private Object tryBranch(Method method, Object target, Object[] args, Invocation invocation) throws Throwable {
        if (LocalParticipant.isRunningForCaller()) {
            return invocation.proceed(); // the fence already runs this try for a remote initiator
        }
        return coordinator.tryBranch(registry.forTryMethod(method, target), args, invocation::proceed);
    }
}
